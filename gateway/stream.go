package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/planpb"
)

// streamOperator opens op and streams its batches as Flight chunks. The producer goroutine is
// owned by the stream: it stops when the query's context ends (client gone, CancelFlightInfo,
// deadline) or op is exhausted, and it always closes op, so the operator's memory is released
// in every case. streamCtx is the RPC's context (where errors are still delivered while the
// client listens); queryCtx is the query's, derived from it; done runs when the producer ends.
// The channel holds at most two batches, so a slow reader holds the producer back (gRPC flow
// control reaches the operators): server memory stays bounded whatever the result's size.
//
// promised is the schema the client was told (FlightInfo, GetSchema, a prepared statement's
// dataset schema); nil means the operator's own (plans whose promise was op.Schema() itself).
// Every batch is stamped with it, so the stream's schema is the promise byte for byte; see
// conform for what is checked.
func streamOperator(streamCtx, queryCtx context.Context, op exec.Operator, promised *arrow.Schema, done func(), trailer func(rows int64) []byte) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	if promised == nil {
		promised = op.Schema()
	}
	if err := conformSchema(promised, op.Schema()); err != nil {
		op.Close()
		done()
		return nil, nil, err
	}
	if err := op.Open(queryCtx); err != nil {
		err = queryErr(queryCtx, err) // before done(), which cancels queryCtx
		op.Close()
		done()
		return nil, nil, err
	}
	ch := make(chan flight.StreamChunk, 2)
	go func() {
		defer close(ch)
		defer done()
		defer op.Close()
		defer func() {
			if r := recover(); r != nil {
				sendErr(streamCtx, ch, recoveredPanic(streamCtx, nil, "executing", r)) // guard.go: logged with the stack
			}
		}()
		// One batch is held back so that the last one can carry the query's totals (rows,
		// bytes scanned) as app metadata, which are only known at the end.
		var held arrow.RecordBatch
		defer func() {
			if held != nil {
				held.Release()
			}
		}()
		var rows int64
		send := func(c flight.StreamChunk) bool {
			select {
			case ch <- c:
				return true
			case <-queryCtx.Done():
				c.Data.Release()
				sendErr(streamCtx, ch, queryErr(queryCtx, queryCtx.Err()))
				return false
			}
		}
		for {
			b, err := op.Next(queryCtx)
			if errors.Is(err, io.EOF) {
				if err := queryCtx.Err(); err != nil {
					sendErr(streamCtx, ch, queryErr(queryCtx, err))
					return
				}
				if held == nil && trailer != nil {
					// No rows: an empty batch still carries the totals.
					rb := array.NewRecordBuilder(memory.DefaultAllocator, promised)
					held = rb.NewRecordBatch()
					rb.Release()
				}
				if held != nil {
					c := flight.StreamChunk{Data: held}
					held = nil
					if trailer != nil {
						c.AppMetadata = trailer(rows)
					}
					send(c)
				}
				return
			}
			if err != nil {
				sendErr(streamCtx, ch, queryErr(queryCtx, err))
				return
			}
			if b, err = conform(promised, b); err != nil {
				sendErr(streamCtx, ch, err)
				return
			}
			rows += b.NumRows()
			if held != nil {
				c := flight.StreamChunk{Data: held}
				held = nil
				if !send(c) {
					b.Release()
					return
				}
			}
			held = b
		}
	}()
	return promised, ch, nil
}

// queryErr reports why a query stopped: the cause of its context's end when it ended (e.g.
// "query cancelled"), else err.
func queryErr(queryCtx context.Context, err error) error {
	if queryCtx.Err() != nil {
		if c := context.Cause(queryCtx); c != nil {
			return c
		}
	}
	return err
}

func sendErr(ctx context.Context, ch chan<- flight.StreamChunk, err error) {
	select {
	// The error goes back unconverted: the service returns it from DoGet, and the interceptor
	// logs an Internal error's detail before mapping it to its gRPC status.
	case ch <- flight.StreamChunk{Err: err}:
	case <-ctx.Done():
	}
}

// ResultMetadata is the JSON app metadata on the last batch of every query result: the
// query's totals, known only once it has run. Clients and tests read these keys.
type ResultMetadata struct {
	QueryID      string `json:"query_id"`
	Rows         int64  `json:"rows"`
	BytesScanned int64  `json:"bytes_scanned"`
}

// resultMetadata sums the stats of the fragments whose streams the gateway relayed (one
// today; one per endpoint partition once plans have several).
func resultMetadata(queryID string, stats ...*planpb.FragmentStats) []byte {
	md := ResultMetadata{QueryID: queryID}
	for _, st := range stats {
		md.Rows += st.GetRows()
		md.BytesScanned += st.GetBytesScanned()
	}
	b, _ := json.Marshal(md)
	return b
}
