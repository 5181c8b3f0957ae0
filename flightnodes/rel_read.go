package flightnodes

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/flightsql"
	"github.com/tern-db/tern/connectors/mysql"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/connectors/postgres"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
	gproto "google.golang.org/protobuf/proto"
)

// readRel builds connector scans (extension_table with a planpb.ConnectorScan) and
// VirtualTable sources, the only reads a node runs. ReadRel.filter and best_effort_filter
// are hints only: the producer keeps a FilterRel above.
func (c *compiler) readRel(r *substraitpb.ReadRel) (exec.Operator, error) {
	base, err := schemaOf(r.GetBaseSchema())
	if err != nil {
		return nil, err
	}
	proj, err := projection(r.GetProjection(), base.NumFields())
	if err != nil {
		return nil, err
	}
	switch rt := r.GetReadType().(type) {
	case *substraitpb.ReadRel_ExtensionTable_:
		return c.connectorScan(rt.ExtensionTable, base, proj)
	case *substraitpb.ReadRel_LocalFiles_:
		// The planner reads files through the files connector and client plans are
		// re-planned by the binder, so a LocalFiles read reaching a node is not Tern's.
		return nil, errs.Errorf(errs.ErrNotSupported, "Substrait LocalFiles reads: a node reads connector scans (extension_table) and virtual tables only")
	case *substraitpb.ReadRel_VirtualTable_:
		op, err := c.virtualTable(rt.VirtualTable, base)
		if err != nil || proj == nil {
			return op, err
		}
		exprs := make([]exec.Expr, len(proj))
		for i, p := range proj {
			exprs[i] = exec.NewColumnRef(p, base.Field(p).Type)
		}
		return c.project(op, exprs, nil)
	case nil:
		return nil, errs.Errorf(errs.ErrInvalidArgument, "read relation without a read type")
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "Substrait read type %s", kindName(r.GetReadType()))
}

// projection converts a MaskExpression into column indexes (nil: every column).
func projection(m *substraitpb.Expression_MaskExpression, n int) ([]int, error) {
	if m == nil || m.GetSelect() == nil {
		return nil, nil
	}
	items := m.GetSelect().GetStructItems()
	out := make([]int, len(items))
	for i, it := range items {
		if it.GetChild() != nil {
			return nil, errs.Errorf(errs.ErrNotSupported, "nested projection masks")
		}
		f := int(it.GetField())
		if f < 0 || f >= n {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "projection selects field %d of %d", f, n)
		}
		out[i] = f
	}
	return out, nil
}

// builtinConnectors are the connectors a node opens splits of. Immutable.
var builtinConnectors = connectors.NewRegistry(native.Connector{}, files.Connector{}, postgres.Connector{}, mysql.Connector{}, flightsql.Connector{})

// Connectors returns the connectors this node opens splits of (the gateway asks them for the
// paths a ticket's splits read).
func Connectors() *connectors.Registry { return builtinConnectors }

// connectorScan opens the splits of a planpb.ConnectorScan with the query's environment.
func (c *compiler) connectorScan(et *substraitpb.ReadRel_ExtensionTable, base *arrow.Schema, proj []int) (exec.Operator, error) {
	cs, err := DecodeConnectorScan(et)
	if err != nil {
		return nil, err
	}
	splits := make([][]byte, len(cs.GetSplits()))
	for i, sp := range cs.GetSplits() {
		splits[i] = sp.GetData()
	}
	op, err := builtinConnectors.OpenSplits(c.ctx, c.env, cs.GetConnector(), splits, base, proj)
	if err != nil {
		return nil, err
	}
	return c.track(op), nil
}

// DecodeConnectorScan reads the detail of a ReadRel's extension_table; anything but a
// well-formed ConnectorScan is ErrInvalidArgument.
func DecodeConnectorScan(et *substraitpb.ReadRel_ExtensionTable) (*planpb.ConnectorScan, error) {
	d := et.GetDetail()
	if d == nil || d.GetTypeUrl() != planpb.ConnectorScanURL {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "extension table of type %q: want %s", d.GetTypeUrl(), planpb.ConnectorScanURL)
	}
	var cs planpb.ConnectorScan
	if err := gproto.Unmarshal(d.GetValue(), &cs); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "malformed connector scan: %v", err)
	}
	if cs.GetConnector() == "" {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "connector scan names no connector")
	}
	return &cs, nil
}

// virtualTable evaluates the rows of a VirtualTable into one batch.
func (c *compiler) virtualTable(vt *substraitpb.ReadRel_VirtualTable, schema *arrow.Schema) (exec.Operator, error) {
	nf := schema.NumFields()
	var rows [][]exec.Expr
	empty := arrow.NewSchema(nil, nil)
	for _, lit := range vt.GetValues() {
		if len(lit.GetFields()) != nf {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "VALUES row has %d fields, base_schema %d", len(lit.GetFields()), nf)
		}
		row := make([]exec.Expr, nf)
		for i, f := range lit.GetFields() {
			s, err := literalScalar(f)
			if err != nil {
				return nil, err
			}
			if row[i], err = exec.NewLiteral(s); err != nil {
				return nil, err
			}
		}
		rows = append(rows, row)
	}
	for _, st := range vt.GetExpressions() {
		if len(st.GetFields()) != nf {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "VALUES row has %d fields, base_schema %d", len(st.GetFields()), nf)
		}
		row, err := c.exprs(st.GetFields(), empty)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return c.track(exec.NewSource(schema)), nil
	}
	mem := c.env.Alloc
	if mem == nil {
		mem = defaultAlloc
	}
	one := array.NewRecordBatch(empty, nil, 1)
	defer one.Release()
	cols := make([]arrow.Array, nf)
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for j := 0; j < nf; j++ {
		parts := make([]arrow.Array, 0, len(rows))
		release := func() {
			for _, p := range parts {
				p.Release()
			}
		}
		for _, row := range rows {
			e := row[j]
			want := schema.Field(j).Type
			if !arrow.TypeEqual(e.Type(), want) {
				ce, err := exec.NewCast(e, want)
				if err != nil {
					release()
					return nil, err
				}
				e = ce
			}
			a, err := e.Eval(c.ctx, one, mem)
			if err != nil {
				release()
				return nil, err
			}
			parts = append(parts, a)
		}
		col, err := array.Concatenate(parts, mem)
		release()
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "VALUES column %d: %v", j, err)
		}
		cols[j] = col
	}
	rec := array.NewRecordBatch(schema, cols, int64(len(rows)))
	defer rec.Release()
	return c.track(exec.NewSource(schema, rec)), nil
}
