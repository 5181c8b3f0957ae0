package gateway

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// tickets.go: a ticket carries what it was issued under and is re-checked when redeemed.
//
// A ticket is redeemed minutes after it was planned, possibly on another gateway that shares
// the secret. Between the two the tables it pins may have been dropped (and their files
// vacuumed) and the serving gateway may allow fewer directories than the planning one. So
// DoGet re-validates: every pinned native table must still exist (NotFound otherwise, as if
// the query were planned now), and every file the plan reads outside the data directory must
// lie under the serving gateway's --allow-dir (PermissionDenied otherwise). Tickets are
// sealed (proto.Sign encrypts), so paths and names in them are not visible to clients.

// DefaultTicketTTL is how long tickets stay redeemable unless Config.TicketTTL says otherwise:
// long enough for a client to fetch every endpoint of a FlightInfo, short enough that a
// leaked ticket is soon worthless.
const DefaultTicketTTL = 10 * time.Minute

// pinnedTable is a native table a ticket's plan reads, by id (a dropped and re-created table
// gets a new id) with the name to report.
type pinnedTable struct {
	ID   uint64 `json:"i"`
	Name string `json:"n"`
}

func (s *Server) ticketTTL() time.Duration {
	if s.cfg.TicketTTL > 0 {
		return s.cfg.TicketTTL
	}
	return DefaultTicketTTL
}

// sealTicket records the pinned tables (by id, from the planner's snapshot map) in tp and
// seals it with the ticket lifetime.
func (s *Server) sealTicket(ctx context.Context, tp ticketPayload, tableIDs map[uint64]uint64) ([]byte, error) {
	if look, ok := s.cat.(catalog.TableLookup); ok {
		for id := range tableIDs {
			t, err := look.TableByID(ctx, id)
			if errors.Is(err, errs.ErrNotFound) {
				continue // e.g. created in a transaction not committed yet: nothing to re-check
			}
			if err != nil {
				return nil, err
			}
			tp.Tables = append(tp.Tables, pinnedTable{ID: t.ID, Name: relationName(t.Ref)})
		}
	}
	return proto.SignJSON(s.key, proto.KindTicket, time.Now().Add(s.ticketTTL()), tp)
}

func relationName(r catalog.TableRef) string {
	if r.Schema == "" || r.Schema == catalog.DefaultSchema {
		return r.Name
	}
	return r.Schema + "." + r.Name
}

// revalidateTicket checks a verified ticket against the serving gateway's catalog and
// allowed directories.
func (s *Server) revalidateTicket(ctx context.Context, tp ticketPayload) error {
	if look, ok := s.cat.(catalog.TableLookup); ok {
		for _, pt := range tp.Tables {
			if _, err := look.TableByID(ctx, pt.ID); errors.Is(err, errs.ErrNotFound) {
				return errs.Errorf(errs.ErrNotFound, "relation %q does not exist", pt.Name)
			} else if err != nil {
				return err
			}
		}
	}
	if tp.Plan == nil {
		return nil
	}
	// the scans of a query cut into fragments sit in its input fragments
	plans := [][]byte{tp.Plan}
	for _, in := range tp.Inputs {
		plans = append(plans, in.Plan)
	}
	for _, plan := range plans {
		if err := s.recheckReads(plan); err != nil {
			return err
		}
	}
	return nil
}

// recheckReads checks the files one fragment's plan reads against the allowed directories.
func (s *Server) recheckReads(plan []byte) error {
	var p substraitpb.Plan
	if err := gproto.Unmarshal(plan, &p); err != nil {
		return errs.Errorf(errs.ErrInvalidArgument, "malformed ticket plan")
	}
	var reads []*substraitpb.ReadRel
	collectReads(p.ProtoReflect(), &reads)
	access := files.Access{AllowDirs: s.cfg.AllowDirs}
	dataDir := s.coord.DataDir() + string(filepath.Separator)
	for _, rr := range reads {
		paths, err := readPaths(rr)
		if err != nil {
			return err
		}
		for _, path := range paths {
			if strings.HasPrefix(filepath.Clean(path), dataDir) {
				continue // a native table's file: its table was checked above
			}
			if _, err := access.CheckRead(path); err != nil {
				if errors.Is(err, errs.ErrPermissionDenied) {
					// Name the file: the caller planned it, so it is no secret to them.
					return errs.Errorf(errs.ErrPermissionDenied, "path %q is not under an allowed directory (--allow-dir) of this server", path)
				}
				return err
			}
		}
	}
	return nil
}

// readPaths lists the local files a read relation reads: those of a connector scan's splits
// (the connectors that read local files say which, connectors.PathLister). Nodes read no
// other files (they refuse LocalFiles reads).
func readPaths(rr *substraitpb.ReadRel) ([]string, error) {
	var out []string
	if et := rr.GetExtensionTable(); et != nil {
		cs, err := flightnodes.DecodeConnectorScan(et)
		if err != nil {
			return nil, err
		}
		c, err := flightnodes.Connectors().Lookup(cs.GetConnector())
		if err != nil {
			return nil, err
		}
		if pl, ok := c.(connectors.PathLister); ok {
			for _, sp := range cs.GetSplits() {
				ps, err := pl.SplitPaths(sp.GetData())
				if err != nil {
					return nil, err
				}
				out = append(out, ps...)
			}
		}
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
