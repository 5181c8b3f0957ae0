package gateway

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/tern-db/tern/proto/errs"
)

// guardedPut hands the FlightData of a DoPut stream to arrow-go's reader only after the IPC
// guard accepted it: arrow-go never decodes a message that could make it over-allocate or read
// outside its buffers. A rejected message ends the stream with InvalidArgument (the Flight SQL
// router reports errors of its reader as such).
type guardedPut struct {
	flight.FlightService_DoPutServer
	ipcGate
}

func (g *guardedPut) Recv() (*flight.FlightData, error) {
	return g.pass(g.FlightService_DoPutServer.Recv())
}

// guardedExchange does the same for the client's half of a DoExchange.
type guardedExchange struct {
	flight.FlightService_DoExchangeServer
	ipcGate
}

func (g *guardedExchange) Recv() (*flight.FlightData, error) {
	return g.pass(g.FlightService_DoExchangeServer.Recv())
}

// ipcGate lets a stream's messages through its guard; after a refusal, nothing more.
type ipcGate struct {
	guard *ipcGuard
	err   error
}

func newIPCGate() ipcGate { return ipcGate{guard: newIPCGuard(defaultIPCLimits)} }

func (g *ipcGate) pass(fd *flight.FlightData, err error) (*flight.FlightData, error) {
	if g.err != nil {
		return nil, g.err
	}
	if err != nil {
		return fd, err
	}
	if g.err = g.guard.check(fd.DataHeader, fd.DataBody); g.err != nil {
		return nil, g.err
	}
	return fd, nil
}

// checkedBatches wraps a client's record stream so that every batch passes arrow's full array
// validation (offsets monotonic and inside their data, null counts, dictionary indices, UTF-8
// layout, child lengths) before anything reads its values: a mutated body gives
// InvalidArgument naming the column, not a slice-bounds panic further on.
func checkedBatches(rdr flight.MessageReader) flight.MessageReader {
	if rdr == nil {
		return nil
	}
	return &validatingReader{MessageReader: rdr}
}

type validatingReader struct {
	flight.MessageReader
	err error
}

func (r *validatingReader) Schema() *arrow.Schema {
	sc := r.MessageReader.Schema()
	if sc == nil && r.err == nil {
		r.err = r.readErr()
	}
	return sc
}

func (r *validatingReader) Next() bool {
	if r.err != nil || !r.MessageReader.Next() {
		return false
	}
	if err := validateBatch(r.MessageReader.RecordBatch()); err != nil {
		r.err = err
		return false
	}
	return true
}

func (r *validatingReader) Read() (arrow.RecordBatch, error) {
	if !r.Next() {
		if err := r.Err(); err != nil {
			return nil, err
		}
		return r.MessageReader.Read()
	}
	return r.MessageReader.RecordBatch(), nil
}

func (r *validatingReader) Chunk() flight.StreamChunk {
	c := r.MessageReader.Chunk()
	if r.err != nil {
		c.Err = r.err
	}
	return c
}

func (r *validatingReader) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.readErr()
}

// readErr is the reader's error as InvalidArgument (everything it reads is the client's).
func (r *validatingReader) readErr() error {
	err := r.MessageReader.Err()
	if err == nil || errors.Is(err, io.EOF) {
		return err
	}
	if errs.Code(err) != errs.Code(errs.ErrInternal) {
		return err
	}
	return errs.Errorf(errs.ErrInvalidArgument, "reading the client's Arrow stream: %v", err)
}

// validateBatch runs arrow's full validation over every column of rec.
func validateBatch(rec arrow.RecordBatch) error {
	if rec == nil {
		return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: empty record batch")
	}
	for i, col := range rec.Columns() {
		if int64(col.Len()) != rec.NumRows() {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: column %d has %d values in a batch of %d rows", i+1, col.Len(), rec.NumRows())
		}
		if err := validateColumn(col); err != nil {
			return errs.Errorf(errs.ErrInvalidArgument, "Arrow IPC: column %d (%q) is invalid: %v", i+1, rec.Schema().Field(i).Name, err)
		}
	}
	return nil
}

func validateColumn(col arrow.Array) (err error) {
	defer func() {
		// Validation itself indexes buffers (a string column's offsets into its data): an
		// offset past the data panics there, which is the column's fault, not the server's.
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if col.DataType().ID() == arrow.NULL {
		// arrow-go's IPC reader gives null arrays no buffer slot, which its own validation
		// refuses; a null array has nothing else to check (a NULL parameter binds as one).
		return nil
	}
	return array.ValidateFull(col)
}
