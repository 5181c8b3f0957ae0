package main

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bareServer is the streaming anchor: a Flight SQL server with nothing behind it. Every query
// returns rows rows of the micro table, cycling through batches built in memory beforehand,
// so the number measures gRPC + Arrow IPC + the client alone.
type bareServer struct {
	flightsql.BaseServer
	rows    int64
	batches []arrow.RecordBatch
}

func (s *bareServer) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	tkt, err := flightsql.CreateStatementQueryTicket([]byte(cmd.GetQuery()))
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(microSchema, memory.DefaultAllocator),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: tkt}}},
		TotalRecords:     s.rows,
		TotalBytes:       -1,
	}, nil
}

func (s *bareServer) DoGetStatement(ctx context.Context, _ flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	ch := make(chan flight.StreamChunk, 4)
	go func() {
		defer close(ch)
		var sent int64
		for i := 0; sent < s.rows; i++ {
			b := s.batches[i%len(s.batches)]
			if left := s.rows - sent; left < b.NumRows() {
				b = b.NewSlice(0, left)
			} else {
				b.Retain()
			}
			select {
			case ch <- flight.StreamChunk{Data: b}:
				sent += b.NumRows()
			case <-ctx.Done():
				b.Release()
				return
			}
		}
	}()
	return microSchema, ch, nil
}

// bareStream starts a bare server and streams rows rows from it through the ADBC driver.
func bareStream(ctx context.Context, rows, batch int64) (time.Duration, int64, int64, error) {
	return withBare(ctx, rows, batch, func(addr string) (int64, int64, error) {
		cl, err := openFlight(ctx, addr, "", "")
		if err != nil {
			return 0, 0, err
		}
		defer cl.Close()
		return cl.stream(ctx, "stream", nil)
	})
}

// bareStreamRaw is bareStream read by arrow-go's flightsql client instead of ADBC.
func bareStreamRaw(ctx context.Context, rows, batch int64) (time.Duration, int64, int64, error) {
	return withBare(ctx, rows, batch, func(addr string) (int64, int64, error) {
		return rawStream(ctx, addr, "", "", "stream")
	})
}

// withBare runs read against a bare server and times it.
func withBare(ctx context.Context, rows, batch int64, read func(addr string) (int64, int64, error)) (time.Duration, int64, int64, error) {
	s := &bareServer{rows: rows}
	// 1M distinct rows (or fewer) in memory, sent again and again.
	pre := min(rows, 1<<20)
	for off := int64(0); off < pre; off += batch {
		s.batches = append(s.batches, microBatch(memory.DefaultAllocator, off, min(batch, pre-off)))
	}
	defer func() {
		for _, b := range s.batches {
			b.Release()
		}
	}()
	srv := flight.NewServerWithMiddleware(nil)
	srv.RegisterFlightService(flightsql.NewFlightServer(s))
	if err := srv.Init("127.0.0.1:0"); err != nil {
		return 0, 0, 0, err
	}
	go srv.Serve()
	defer srv.Shutdown()
	t0 := time.Now()
	n, bytes, err := read(srv.Addr().String())
	d := time.Since(t0)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("streaming: %w", err)
	}
	return d, n, bytes, nil
}
