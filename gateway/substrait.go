package gateway

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
	psub "github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Substrait plans from clients (CommandStatementSubstraitPlan, prepared Substrait plans).
//
// A client plan names tables with ReadRel.named_table ([table], [schema, table] or
// [catalog, schema, table], resolved in the caller's tenant and current schema); the gateway
// pins each table's current snapshot and rewrites the read into the LocalFiles scan of that
// snapshot, the form executor nodes run. Plans that read files themselves (local_files) or
// extension tables are refused: a client must not reach paths or other tenants' data by
// writing a plan. Virtual tables are allowed. Plans go to the executor like planned SQL.

// admitPlan checks and rewrites a client's serialized Substrait plan.
func (s *Server) admitPlan(ctx context.Context, sess planner.Session, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "empty Substrait plan")
	}
	var p substraitpb.Plan
	if err := gproto.Unmarshal(raw, &p); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "malformed Substrait plan")
	}
	var reads []*substraitpb.ReadRel
	collectReads(p.ProtoReflect(), &reads)
	for _, rr := range reads {
		if err := s.bindRead(ctx, sess, rr); err != nil {
			return nil, err
		}
	}
	out, err := gproto.Marshal(&p)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding plan: %v", err)
	}
	return out, nil
}

// collectReads finds every ReadRel anywhere in a message.
func collectReads(m protoreflect.Message, out *[]*substraitpb.ReadRel) {
	if rr, ok := m.Interface().(*substraitpb.ReadRel); ok {
		*out = append(*out, rr)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				collectReads(l.Get(i).Message(), out)
			}
		case fd.IsMap():
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				if fd.MapValue().Kind() == protoreflect.MessageKind {
					collectReads(mv.Message(), out)
				}
				return true
			})
		default:
			collectReads(v.Message(), out)
		}
		return true
	})
}

func (s *Server) bindRead(ctx context.Context, sess planner.Session, rr *substraitpb.ReadRel) error {
	switch rt := rr.GetReadType().(type) {
	case *substraitpb.ReadRel_VirtualTable_:
		return nil
	case *substraitpb.ReadRel_NamedTable_:
		ref, err := namedRef(sess, rt.NamedTable.GetNames())
		if err != nil {
			return err
		}
		t, err := s.cat.GetTable(ctx, ref)
		if err != nil {
			return err
		}
		pin(ctx, t)
		ns := &substraitpb.NamedStruct{Struct: &substraitpb.Type_Struct{Nullability: substraitpb.Type_NULLABILITY_REQUIRED}}
		for _, c := range t.Columns {
			ty, err := psub.Type(c.Type, c.Nullable)
			if err != nil {
				return err
			}
			ns.Names = append(ns.Names, c.Name)
			ns.Struct.Types = append(ns.Struct.Types, ty)
		}
		if got := rr.GetBaseSchema().GetNames(); len(got) > 0 {
			if len(got) != len(ns.Names) {
				return errs.Errorf(errs.ErrInvalidArgument, "the plan reads %d columns of %s, which has %d", len(got), ref, len(ns.Names))
			}
			for i, n := range got {
				if !strings.EqualFold(n, ns.Names[i]) {
					return errs.Errorf(errs.ErrInvalidArgument, "the plan's column %d of %s is %q, the table's is %q", i+1, ref, n, ns.Names[i])
				}
			}
		}
		for i, c := range t.Columns { // data files name renamed and added columns otherwise
			ns.Names[i] = catalog.FieldName(c)
		}
		rr.BaseSchema = ns
		lf := &substraitpb.ReadRel_LocalFiles{}
		if t.CurrentSnapshot != catalog.NoSnapshot {
			paths, err := s.store.SnapshotFiles(ctx, t, t.CurrentSnapshot)
			if err != nil {
				return err
			}
			for _, path := range paths {
				lf.Items = append(lf.Items, &substraitpb.ReadRel_LocalFiles_FileOrFiles{
					PathType:   &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: "file://" + path},
					FileFormat: &substraitpb.ReadRel_LocalFiles_FileOrFiles_Parquet{Parquet: &substraitpb.ReadRel_LocalFiles_FileOrFiles_ParquetReadOptions{}},
				})
			}
		}
		rr.ReadType = &substraitpb.ReadRel_LocalFiles_{LocalFiles: lf}
		return nil
	case *substraitpb.ReadRel_LocalFiles_:
		return errs.Errorf(errs.ErrPermissionDenied, "Substrait plans may not read files; name tables instead")
	}
	return errs.Errorf(errs.ErrNotSupported, "this Substrait read type")
}

func namedRef(sess planner.Session, names []string) (catalog.TableRef, error) {
	ref := catalog.TableRef{Tenant: sess.Tenant, Schema: sess.Schema}
	switch len(names) {
	case 1:
		ref.Name = names[0]
	case 2:
		ref.Schema, ref.Name = names[0], names[1]
	case 3:
		if names[0] != catalog.CatalogName {
			return ref, errs.Errorf(errs.ErrNotFound, "catalog %q does not exist", names[0])
		}
		ref.Schema, ref.Name = names[1], names[2]
	default:
		return ref, errs.Errorf(errs.ErrInvalidArgument, "a named table has 1 to 3 names, got %d", len(names))
	}
	if ref.Schema == "" {
		ref.Schema = catalog.DefaultSchema
	}
	return ref, nil
}

// substraitSchema compiles an admitted plan to learn its output schema (nothing runs).
func (s *Server) substraitSchema(ctx context.Context, sess planner.Session, raw []byte) (*arrow.Schema, error) {
	plan, err := s.admitPlan(ctx, sess, raw)
	if err != nil {
		return nil, err
	}
	op, err := s.exec.Run(ctx, &proto.Fragment{QueryID: newQueryID(), Tenant: sess.Tenant, Plan: plan})
	if err != nil {
		return nil, err
	}
	defer op.Close()
	return op.Schema(), nil
}

func (s *Server) substraitInfo(ctx context.Context, sess planner.Session, raw []byte, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	ctx, pins := withPins(ctx)
	plan, err := s.admitPlan(ctx, sess, raw)
	if err != nil {
		return nil, err
	}
	op, err := s.exec.Run(ctx, &proto.Fragment{QueryID: newQueryID(), Tenant: sess.Tenant, Plan: plan})
	if err != nil {
		return nil, err
	}
	schema := op.Schema()
	op.Close()
	tp := ticketPayload{QueryID: newQueryID(), Tenant: sess.Tenant, Plan: plan,
		Deadline: deadlineNanos(statementDeadline(sess)), Text: "(Substrait plan)"} // timeout.go, lastquery.go
	h, err := s.sealTicket(ctx, tp, pins.ids)
	if err != nil {
		return nil, err
	}
	tkt, err := flightsql.CreateStatementQueryTicket(h)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "creating ticket: %v", err)
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

// substraitUpdate runs a plan as an update: as with SQL queries sent as updates, it runs and
// reports its row count. Substrait write and DDL relations are not supported.
func (s *Server) substraitUpdate(ctx context.Context, sess planner.Session, raw []byte) (int64, error) {
	ctx, cancel := withStatementDeadline(ctx, statementDeadline(sess)) // timeout.go
	defer cancel()
	plan, err := s.admitPlan(ctx, sess, raw)
	if err != nil {
		return 0, err
	}
	n, err := s.runInto(ctx, sess, &planner.Query{Plan: plan}, func(context.Context, arrow.RecordBatch) error { return nil })
	if err != nil {
		err = queryErr(ctx, err)
	}
	return n, err
}

func (s *Server) GetFlightInfoSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	return s.substraitInfo(ctx, sess, cmd.GetPlan().Plan, desc)
}

func (s *Server) GetSchemaSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.substraitSchema(ctx, sess, cmd.GetPlan().Plan)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(sc, s.alloc)}, nil
}

func (s *Server) DoPutCommandSubstraitPlan(ctx context.Context, cmd flightsql.StatementSubstraitPlan) (int64, error) {
	sess, err := session(ctx)
	if err != nil {
		return 0, err
	}
	return s.substraitUpdate(ctx, sess, cmd.GetPlan().Plan)
}

// CreatePreparedSubstraitPlan prepares a plan: the handle carries the plan itself, signed;
// tables are resolved again at each execution.
func (s *Server) CreatePreparedSubstraitPlan(ctx context.Context, req flightsql.ActionCreatePreparedSubstraitPlanRequest) (res flightsql.ActionCreatePreparedStatementResult, err error) {
	sess, err := session(ctx)
	if err != nil {
		return res, err
	}
	raw := req.GetPlan().Plan
	sc, err := s.substraitSchema(ctx, sess, raw)
	if err != nil {
		return res, err
	}
	h, err := s.newPrepared(ctx, preparedPayload{ // prepared.go
		Plan: raw, Tenant: sess.Tenant, User: sess.User, Schema: sess.Schema})
	if err != nil {
		return res, err
	}
	res.Handle = h
	res.DatasetSchema = sc
	res.ParameterSchema = arrow.NewSchema(nil, nil)
	isUpdate := false
	res.IsUpdate = &isUpdate
	return res, nil
}
