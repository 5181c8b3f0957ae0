package flightsql

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	fsql "github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// ConnectorName is the wrapper's and the connector's name.
const ConnectorName = "flightsql"

const connectTimeout = 10 * time.Second

// Connector opens splits of Flight SQL foreign tables on the node.
type Connector struct{}

var _ connectors.Connector = Connector{}

func (Connector) Name() string { return ConnectorName }

// NewTable returns the handle of a Flight SQL foreign table.
func NewTable(src *remotesql.Source) connectors.Table {
	return &remotesql.Table{Src: src, D: Dialect{}, Support: support(src)}
}

func (Connector) Open(ctx context.Context, env exec.Env, split []byte, base *arrow.Schema, projection []int) (exec.Operator, error) {
	d, schema, err := remotesql.OpenSplit(split, base, projection)
	if err != nil {
		return nil, err
	}
	return &scan{env: env, d: d, schema: schema}, nil
}

// Dial connects and authenticates (options host, port, tls; mapping user, password). The
// returned context carries the bearer token.
func Dial(ctx context.Context, server string, conn map[string]string, alloc memory.Allocator) (*fsql.Client, context.Context, error) {
	host, port := conn["host"], conn["port"]
	if host == "" || port == "" {
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "server \"%s\": options host and port are required", server)
	}
	creds := insecure.NewCredentials()
	if conn["tls"] == "true" {
		creds = credentials.NewClientTLSFromCert(nil, "")
	}
	cl, err := fsql.NewClientCtx(ctx, net.JoinHostPort(host, port), nil, nil, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, nil, remotesql.ConnectError(server, err)
	}
	if alloc != nil {
		cl.Alloc = alloc
	}
	actx := ctx
	if user := conn["user"]; user != "" {
		hctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		tctx, err := cl.Client.AuthenticateBasicToken(hctx, user, conn["password"])
		if err != nil {
			cl.Close()
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("server \"%s\": %w", server, ctx.Err())
			}
			return nil, nil, remotesql.ConnectError(server, err)
		}
		// keep the token's metadata on the caller's context (not the handshake's deadline)
		actx = withOutgoing(ctx, tctx)
	}
	return cl, actx, nil
}

type scan struct {
	exec.Lifecycle
	env    exec.Env
	d      remotesql.SplitData
	schema *arrow.Schema
	cl     *fsql.Client
	ctx    context.Context
	eps    []*flight.FlightEndpoint
	rdr    *flight.Reader
}

func (s *scan) Schema() *arrow.Schema { return s.schema }

func (s *scan) Open(ctx context.Context) error { return s.OpenOnce(ctx, s.open) }

func (s *scan) open(ctx context.Context) error {
	cl, actx, err := Dial(ctx, s.d.Server, s.d.Conn, s.env.Alloc)
	if err != nil {
		return err
	}
	s.cl, s.ctx = cl, actx
	info, err := cl.Execute(actx, s.d.SQL)
	if err != nil {
		return s.remoteErr(ctx, err)
	}
	s.eps = info.Endpoint
	return nil
}

func (s *scan) remoteErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("server \"%s\": %w", s.d.Server, ctx.Err())
	}
	return remotesql.RemoteError(s.d.Server, err)
}

// check compares a remote batch's column types with the declared ones.
func (s *scan) check(rs *arrow.Schema) error {
	if rs.NumFields() != s.schema.NumFields() {
		if s.schema.NumFields() == 0 {
			return nil
		}
		return errs.Errorf(errs.ErrFailedPrecondition, "server \"%s\" returned %d columns for foreign table \"%s\", %d expected", s.d.Server, rs.NumFields(), s.d.Table, s.schema.NumFields())
	}
	for i, f := range rs.Fields() {
		if !arrow.TypeEqual(f.Type, s.schema.Field(i).Type) {
			remote := f.Type.String()
			if t, err := catalog.TypeFromArrow(f.Type); err == nil {
				remote = t.String()
			}
			return remotesql.ChangedColumn(s.d.Server, s.d.Table, s.d.Columns[i].Name, remote, s.d.Columns[i].Type)
		}
	}
	return nil
}

func (s *scan) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := s.BeforeNext(ctx, s.open); err != nil {
		return nil, err
	}
	for {
		if s.rdr == nil {
			if len(s.eps) == 0 {
				return nil, io.EOF
			}
			ep := s.eps[0]
			s.eps = s.eps[1:]
			rdr, err := s.cl.DoGet(s.ctx, ep.Ticket)
			if err != nil {
				return nil, s.remoteErr(ctx, err)
			}
			if err := s.check(rdr.Schema()); err != nil {
				rdr.Release()
				return nil, err
			}
			s.rdr = rdr
		}
		if s.rdr.Next() {
			rec := s.rdr.RecordBatch()
			// the same buffers under the declared names (no copy, no re-encoding)
			cols := rec.Columns()
			if s.schema.NumFields() == 0 {
				cols = nil
			}
			return array.NewRecordBatch(s.schema, cols, rec.NumRows()), nil
		}
		err := s.rdr.Err()
		s.rdr.Release()
		s.rdr = nil
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, s.remoteErr(ctx, err)
		}
	}
}

func (s *scan) Close() error {
	return s.CloseOnce(func() error {
		if s.rdr != nil {
			s.rdr.Release()
		}
		if s.cl != nil {
			s.cl.Close()
		}
		return nil
	})
}

// Import lists the tables of a remote schema with their Arrow schemas mapped to Tern's types.
func Import(ctx context.Context, server string, conn map[string]string, schema string) ([]remotesql.RemoteTable, error) {
	cl, actx, err := Dial(ctx, server, conn, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	info, err := cl.GetTables(actx, &fsql.GetTablesOpts{DbSchemaFilterPattern: &schema, IncludeSchema: true})
	if err != nil {
		return nil, remotesql.RemoteError(server, err)
	}
	var out []remotesql.RemoteTable
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(actx, ep.Ticket)
		if err != nil {
			return nil, remotesql.RemoteError(server, err)
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			names := rec.Column(2).(*array.String)
			schemas := rec.Column(4).(*array.Binary)
			for r := 0; r < int(rec.NumRows()); r++ {
				sc, err := flight.DeserializeSchema(schemas.Value(r), memory.DefaultAllocator)
				if err != nil {
					rdr.Release()
					return nil, remotesql.RemoteError(server, err)
				}
				rt := remotesql.RemoteTable{Name: names.Value(r), Unsupported: map[string]string{}}
				for _, f := range sc.Fields() {
					t, err := catalog.TypeFromArrow(f.Type)
					if err != nil {
						t = catalog.Text
						rt.Unsupported[f.Name] = f.Type.String()
					}
					rt.Columns = append(rt.Columns, catalog.Column{Name: f.Name, Type: t, Nullable: f.Nullable})
				}
				out = append(out, rt)
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return nil, remotesql.RemoteError(server, err)
		}
	}
	return out, nil
}
