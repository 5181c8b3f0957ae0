package sqllogictest

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// FlightSQL is a DB that talks to a Flight SQL server with arrow-go's flightsql client.
// Statements go through ExecuteUpdate, queries through Execute and DoGet on every endpoint
// (endpoint locations are ignored: tickets are fetched from the same server). All buffers
// come from a checked allocator; Close reports leaked bytes.
type FlightSQL struct {
	client *flightsql.Client
	alloc  *memory.CheckedAllocator
	ctx    context.Context // carries the bearer token
}

var _ DB = (*FlightSQL)(nil)

// OpenFlightSQL connects to addr (host:port) without TLS and authenticates with basic
// credentials; extra dial options are appended.
func OpenFlightSQL(ctx context.Context, addr, user, password string, opts ...grpc.DialOption) (*FlightSQL, error) {
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	cl, err := flightsql.NewClientCtx(ctx, addr, nil, nil, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
	cl.Alloc = alloc
	authCtx, err := cl.Client.AuthenticateBasicToken(ctx, user, password)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("authenticating as %s: %w", user, err)
	}
	return &FlightSQL{client: cl, alloc: alloc, ctx: authCtx}, nil
}

// withAuth returns ctx carrying the bearer token obtained at Open.
func (db *FlightSQL) withAuth(ctx context.Context) context.Context {
	return &authContext{Context: ctx, values: db.ctx}
}

// authContext takes deadlines and cancellation from the call's context and values (the
// outgoing gRPC metadata) from the authenticated one.
type authContext struct {
	context.Context
	values context.Context
}

func (c *authContext) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.values.Value(key)
}

// Exec runs a statement with ExecuteUpdate.
func (db *FlightSQL) Exec(ctx context.Context, sql string) (int64, error) {
	return db.client.ExecuteUpdate(db.withAuth(ctx), sql)
}

// Query runs a query with Execute and reads every endpoint.
func (db *FlightSQL) Query(ctx context.Context, sql string) (*Result, error) {
	ctx = db.withAuth(ctx)
	info, err := db.client.Execute(ctx, sql)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	var schema *arrow.Schema
	if len(info.Schema) > 0 {
		if schema, err = flight.DeserializeSchema(info.Schema, db.alloc); err != nil {
			return nil, fmt.Errorf("decoding FlightInfo schema: %w", err)
		}
	}
	for _, ep := range info.Endpoint {
		s, err := db.readEndpoint(ctx, ep, res)
		if err != nil {
			return nil, err
		}
		if schema == nil {
			schema = s
		}
	}
	if schema != nil {
		for _, f := range schema.Fields() {
			res.Types += string(TypeLetter(f.Type))
		}
	}
	return res, nil
}

func (db *FlightSQL) readEndpoint(ctx context.Context, ep *flight.FlightEndpoint, res *Result) (*arrow.Schema, error) {
	rdr, err := db.client.DoGet(ctx, ep.Ticket)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for c := range row {
				row[c] = FormatArrowValue(rec.Column(c), i)
			}
			res.Rows = append(res.Rows, row)
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, err
	}
	return rdr.Schema(), nil
}

// Close closes the connection and reports buffers that were not released.
func (db *FlightSQL) Close() error {
	err := db.client.Close()
	if n := db.alloc.CurrentAlloc(); n != 0 {
		err = errors.Join(err, fmt.Errorf("flightsql client leaked %d bytes of Arrow memory", n))
	}
	return err
}
