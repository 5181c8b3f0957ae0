package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/tern-db/tern/connectors/files"
	"io"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/planner"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// ticketPayload is everything DoGet needs: the plan to run (snapshots already pinned in it)
// or literal rows (EXPLAIN), and the tenant it was planned for.
type ticketPayload struct {
	QueryID string   `json:"q"`
	Tenant  string   `json:"t"`
	Plan    []byte   `json:"p,omitempty"`
	Lines   []string `json:"l,omitempty"` // EXPLAIN output; with Analyze, the logical plan
	Analyze bool     `json:"a,omitempty"` // EXPLAIN ANALYZE: run Plan with profiling
	// Tables are the native tables Plan pins, re-checked when the ticket is redeemed
	// (tickets.go).
	Tables []pinnedTable `json:"tb,omitempty"`
	// Deadline (unix nanoseconds, 0: none) is when statement_timeout ends the statement
	// (timeout.go); Text is the statement for tern.last_query() (lastquery.go).
	Deadline int64  `json:"dl,omitempty"`
	Text     string `json:"x,omitempty"`
	// Schema is the promised result schema (IPC); DoGet stamps the stream with it (conform.go).
	Schema []byte `json:"sc,omitempty"`
	Rows   []byte `json:"r,omitempty"` // RETURNING: the rows, an Arrow IPC stream (returning.go)
	// A query cut into fragments: Plan is its final fragment, of which this ticket serves
	// partition Partition (of Partitions: one ticket per FlightInfo endpoint); Fragment is
	// its id and Inputs are the other fragments, which the node runs for it.
	Fragment   int                   `json:"f,omitempty"`
	Partition  int                   `json:"n,omitempty"`
	Partitions int                   `json:"ns,omitempty"`
	Inputs     []proto.FragmentInput `json:"in,omitempty"`
}

// preparedPayload is a prepared statement: its text, who prepared it, and bound parameters
// (an Arrow IPC stream) once a DoPut has bound them.
type preparedPayload struct {
	SQL    string `json:"s"`
	Tenant string `json:"t"`
	User   string `json:"u"`
	Schema string `json:"c"`
	Params []byte `json:"p,omitempty"`
	Txn    []byte `json:"x,omitempty"`  // transaction id the statement was prepared in
	Plan   []byte `json:"sp,omitempty"` // a prepared Substrait plan (instead of SQL)
	// ID and Session name the statement in its session's registry of open prepared
	// statements: a closed statement or one of an ended session is refused (prepared.go).
	ID      string `json:"id,omitempty"`
	Session string `json:"ss,omitempty"`
}

func newQueryID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var explainSchema = arrow.NewSchema([]arrow.Field{{Name: "QUERY PLAN", Type: arrow.BinaryTypes.String}}, nil)

// flightInfoFor plans sql and returns the FlightInfo that serves it. Statements that change
// things (DDL, INSERT) run here, once, and answer with an empty result.
func (s *Server) flightInfoFor(ctx context.Context, sess planner.Session, sql string, params []scalar.Scalar, desc *flight.FlightDescriptor, tx *txnState) (_ *flight.FlightInfo, err error) {
	deadline := statementDeadline(sess) // timeout.go
	ctx, cancel := withStatementDeadline(ctx, deadline)
	defer cancel()
	run := s.startRun(ctx, "", sql) // lastquery.go
	var scanned atomic.Int64
	ctx = files.WithBytesCounter(ctx, &scanned)
	var affected int64
	defer func() {
		err = queryErr(ctx, err)
		if err != nil || run != nil {
			run.finish(affected, scanned.Load(), err)
		}
	}()
	stmt, err := s.plannerFor(tx).Plan(ctx, sess, sql, params)
	if err != nil {
		return nil, err
	}
	tp := ticketPayload{QueryID: run.rec.QueryID, Tenant: sess.Tenant, Deadline: deadlineNanos(deadline), Text: run.rec.Text}
	var schema *arrow.Schema
	var pinned map[uint64]uint64
	parts, ordered := 1, false
	switch st := stmt.(type) {
	case *planner.Query:
		tp.Plan, schema, pinned = st.Plan, st.Schema, st.Snapshots
		tp.Schema = flight.SerializeSchema(schema, s.alloc)
		parts, ordered = st.Partitions(), st.Ordered
		setFragments(&tp, st)
	case *planner.Explain:
		tp.Lines, schema = st.Lines, explainSchema
	case *planner.ExplainAnalyze:
		tp.Plan, tp.Lines, tp.Analyze, schema, pinned = st.Query.Plan, st.Logical, true, explainSchema, st.Query.Snapshots
	default:
		if r, ok := stmt.(planner.Returner); ok && r.ReturningSchema() != nil {
			// a write with RETURNING: run it now, the ticket carries its rows (returning.go)
			res, err := s.coord.ExecuteReturning(ctx, coordinator.Session{Session: sess, Txn: tx}, stmt)
			if affected = res.Rows; err != nil {
				return nil, err
			}
			tp.Rows, schema = res.Returned, res.Returning
			break
		}
		res, err := s.coord.ExecuteUpdate(ctx, coordinator.Session{Session: sess, Txn: tx}, stmt)
		if affected = res.Rows; err != nil {
			return nil, err
		}
		return &flight.FlightInfo{
			Schema:           flight.SerializeSchema(arrow.NewSchema(nil, nil), s.alloc),
			FlightDescriptor: desc,
			TotalRecords:     0,
			TotalBytes:       -1,
		}, nil
	}
	if tp.Plan != nil {
		run = nil // a query's run is recorded when its ticket is served (DoGet)
	} else {
		affected = int64(len(tp.Lines))
	}
	// One endpoint per partition of the query's final fragment, each ticket naming its
	// partition; clients may fetch them in parallel (Ordered: read in turn, they are in
	// ORDER BY order). The row count is known up front only for EXPLAIN's literal rows.
	endpoints, err := s.endpoints(ctx, tp, pinned, parts)
	if err != nil {
		return nil, err
	}
	total := int64(-1)
	if tp.Plan == nil && tp.Rows == nil {
		total = int64(len(tp.Lines))
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(schema, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         endpoints,
		TotalRecords:     total,
		TotalBytes:       -1,
		Ordered:          ordered,
	}, nil
}

// endpoints seals one ticket per partition of a query's final fragment.
func (s *Server) endpoints(ctx context.Context, tp ticketPayload, pinned map[uint64]uint64, parts int) ([]*flight.FlightEndpoint, error) {
	if s.servedByNodes(tp) {
		return s.nodeEndpoints(tp, parts) // cluster.go
	}
	endpoints := make([]*flight.FlightEndpoint, max(parts, 1))
	for i := range endpoints {
		tp.Partition = i
		h, err := s.sealTicket(ctx, tp, pinned)
		if err != nil {
			return nil, err
		}
		tkt, err := flightsql.CreateStatementQueryTicket(h)
		if err != nil {
			return nil, fmt.Errorf("%w: creating ticket: %v", errs.ErrInternal, err)
		}
		endpoints[i] = &flight.FlightEndpoint{Ticket: &flight.Ticket{Ticket: tkt}}
	}
	return endpoints, nil
}

// setFragments records in tp the fragments of a query cut at exchanges (Plan is already its
// final fragment).
func setFragments(tp *ticketPayload, q *planner.Query) {
	n := len(q.Fragments)
	if n <= 1 {
		return
	}
	final := q.Fragments[n-1]
	tp.Fragment, tp.Partitions = final.ID, final.Partitions
	for _, f := range q.Fragments[:n-1] {
		tp.Inputs = append(tp.Inputs, proto.FragmentInput{ID: f.ID, Plan: f.Plan})
	}
}

func (s *Server) GetFlightInfoStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.txnFor(ctx, cmd.GetTransactionId())
	if err != nil {
		return nil, err
	}
	return s.flightInfoFor(ctx, sess, cmd.GetQuery(), nil, desc, tx)
}

func (s *Server) GetSchemaStatement(ctx context.Context, cmd flightsql.StatementQuery, desc *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	sess, err := session(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.planner.Prepare(ctx, sess, cmd.GetQuery())
	if err != nil {
		return nil, err
	}
	sc := p.ResultSchema
	if sc == nil {
		sc = arrow.NewSchema(nil, nil)
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(sc, s.alloc)}, nil
}

func (s *Server) DoGetStatement(ctx context.Context, cmd flightsql.StatementQueryTicket) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	var tp ticketPayload
	if err := proto.VerifyJSON(s.key, proto.KindTicket, cmd.GetStatementHandle(), time.Now(), &tp); err != nil {
		return nil, nil, err
	}
	if tp.Tenant != id.Tenant {
		// A ticket is only good for the tenant that planned it; say no more than "invalid".
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "ticket signature does not match")
	}
	if err := s.revalidateTicket(ctx, tp); err != nil {
		return nil, nil, err
	}
	if tp.Rows != nil {
		return s.streamReturned(ctx, tp.Rows)
	}
	if tp.Plan == nil {
		return s.streamLines(tp.Lines)
	}
	// Cancelling the query (CancelFlightInfo) is the executor's: it stops the fragment and
	// refuses it when the cancel came first (cancel.go).
	qctx, cancelDeadline := withStatementDeadline(ctx, deadlineOf(tp.Deadline)) // timeout.go
	run := s.startRun(ctx, tp.QueryID, tp.Text)                                 // lastquery.go
	var stream flightnodes.Stream
	var streamed int64 = -1
	var watched *watchedOp // lastquery.go
	done := func() {
		var err error
		if streamed < 0 {
			err = errs.Errorf(errs.ErrInternal, "the query failed")
			if watched != nil && watched.err != nil {
				err = watched.err
			}
			err = queryErr(qctx, err)
		}
		cancelDeadline()
		var scanned int64
		if stream != nil {
			scanned = stream.FragmentStats().GetBytesScanned()
		}
		run.finish(max(streamed, 0), scanned, err)
	}
	if err := qctx.Err(); err != nil {
		err = queryErr(qctx, err) // before done(), which cancels qctx
		done()
		return nil, nil, err
	}
	if tp.Analyze {
		defer done()
		lines, err := s.explainAnalyze(qctx, tp)
		if err != nil {
			return nil, nil, queryErr(qctx, err)
		}
		streamed = int64(len(lines))
		return s.streamLines(lines)
	}
	promised, err := promisedSchema(tp.Schema, s.alloc)
	if err != nil {
		done()
		return nil, nil, err
	}
	exe, qctx := s.executorFor(qctx, id) // cluster.go: the in-process node or the nodes
	stream, err = exe.Run(qctx, tp.fragment(tp.Partition))
	if err != nil {
		err = queryErr(qctx, err)
		done()
		return nil, nil, err
	}
	watched = &watchedOp{Operator: stream}
	return streamOperator(ctx, qctx, watched, promised, done, func(rows int64) []byte {
		streamed = rows
		return resultMetadata(tp.QueryID, stream.FragmentStats()) // stream.go
	})
}

func (s *Server) DoPutCommandStatementUpdate(ctx context.Context, cmd flightsql.StatementUpdate) (int64, error) {
	sess, err := session(ctx)
	if err != nil {
		return 0, err
	}
	tx, err := s.txnFor(ctx, cmd.GetTransactionId())
	if err != nil {
		return 0, err
	}
	return s.runUpdate(ctx, sess, cmd.GetQuery(), [][]scalar.Scalar{nil}, tx)
}

// runUpdate plans and runs an update once per parameter row (JDBC executeBatch, ADBC bulk
// binds) under the session's statement_timeout, and records it for tern.last_query().
func (s *Server) runUpdate(ctx context.Context, sess planner.Session, sql string, rows [][]scalar.Scalar, tx *txnState) (total int64, err error) {
	ctx, cancel := withStatementDeadline(ctx, statementDeadline(sess))
	defer cancel()
	run := s.startRun(ctx, "", sql)
	var scanned atomic.Int64
	ctx = files.WithBytesCounter(ctx, &scanned)
	defer func() {
		err = queryErr(ctx, err)
		run.finish(total, scanned.Load(), err)
	}()
	for _, row := range rows {
		stmt, err := s.plannerFor(tx).Plan(ctx, sess, sql, row)
		if err != nil {
			return total, err
		}
		res, err := s.coord.ExecuteUpdate(ctx, coordinator.Session{Session: sess, Txn: tx}, stmt)
		if err != nil {
			return total, err
		}
		total += res.Rows
	}
	return total, nil
}

// Prepared statements. Handles are signed and self-contained: closing one is a no-op, and any
// gateway with the key can execute it.

func (s *Server) CreatePreparedStatement(ctx context.Context, req flightsql.ActionCreatePreparedStatementRequest) (res flightsql.ActionCreatePreparedStatementResult, err error) {
	sess, err := session(ctx)
	if err != nil {
		return res, err
	}
	tx, err := s.txnFor(ctx, req.GetTransactionId())
	if err != nil {
		return res, err
	}
	p, err := s.plannerFor(tx).Prepare(ctx, sess, req.GetQuery())
	if err != nil {
		return res, err
	}
	h, err := s.newPrepared(ctx, preparedPayload{ // prepared.go
		SQL: req.GetQuery(), Tenant: sess.Tenant, User: sess.User, Schema: sess.Schema, Txn: req.GetTransactionId()})
	if err != nil {
		return res, err
	}
	res.Handle = h
	res.DatasetSchema = p.ResultSchema
	if res.DatasetSchema == nil {
		res.DatasetSchema = arrow.NewSchema(nil, nil)
	}
	res.ParameterSchema = paramSchema(p.Params)
	isUpdate := p.Kind == planner.KindUpdate
	res.IsUpdate = &isUpdate
	return res, nil
}

func paramSchema(types []catalog.Type) *arrow.Schema {
	fields := make([]arrow.Field, len(types))
	for i, t := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("$%d", i+1), Type: t.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func (s *Server) ClosePreparedStatement(ctx context.Context, req flightsql.ActionClosePreparedStatementRequest) error {
	return s.closePrepared(ctx, req.GetPreparedStatementHandle()) // prepared.go
}

// openPrepared verifies a handle and that it belongs to the caller's tenant.
func (s *Server) openPrepared(ctx context.Context, h []byte) (preparedPayload, planner.Session, error) {
	var pp preparedPayload
	sess, err := session(ctx)
	if err != nil {
		return pp, sess, err
	}
	if err := proto.VerifyJSON(s.key, proto.KindPrepared, h, time.Now(), &pp); err != nil {
		return pp, sess, err
	}
	if pp.Tenant != sess.Tenant {
		return pp, sess, errs.Errorf(errs.ErrInvalidArgument, "prepared signature does not match")
	}
	if err := s.checkPrepared(ctx, pp); err != nil { // prepared.go
		return pp, sess, err
	}
	if pp.Schema != "" {
		sess.Schema = pp.Schema
	}
	return pp, sess, nil
}

func (s *Server) DoPutPreparedStatementQuery(ctx context.Context, cmd flightsql.PreparedStatementQuery, rdr flight.MessageReader, _ flight.MetadataWriter) ([]byte, error) {
	pp, _, err := s.openPrepared(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	params, err := readParams(rdr)
	if err != nil {
		return nil, err
	}
	pp.Params = params
	return proto.SignJSON(s.key, proto.KindPrepared, time.Time{}, pp)
}

// readParams reads a DoPut's parameter batches and re-encodes them as one IPC stream.
func readParams(rdr flight.MessageReader) ([]byte, error) {
	rdr = checkedBatches(rdr) // ipcstream.go: every batch validated before use
	var buf bytes.Buffer
	var w *ipc.Writer
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if w == nil {
			w = ipc.NewWriter(&buf, ipc.WithSchema(rec.Schema()))
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("%w: parameters: %v", errs.ErrInvalidArgument, err)
		}
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: reading parameters: %v", errs.ErrInvalidArgument, err)
	}
	if w == nil {
		return nil, nil
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// paramRows decodes bound parameters into one []scalar.Scalar per row.
func (s *Server) paramRows(params []byte) ([][]scalar.Scalar, error) {
	if len(params) == 0 {
		return nil, nil
	}
	r, err := ipc.NewReader(bytes.NewReader(params), ipc.WithAllocator(s.alloc))
	if err != nil {
		return nil, fmt.Errorf("%w: malformed parameters", errs.ErrInvalidArgument)
	}
	defer r.Release()
	var rows [][]scalar.Scalar
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]scalar.Scalar, rec.NumCols())
			for c := range row {
				sc, err := scalar.GetScalar(rec.Column(c), i)
				if err != nil {
					return nil, fmt.Errorf("%w: parameter $%d: %v", errs.ErrInvalidArgument, c+1, err)
				}
				row[c] = sc
			}
			rows = append(rows, row)
		}
	}
	return rows, r.Err()
}

func (s *Server) GetFlightInfoPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	pp, sess, err := s.openPrepared(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	rows, err := s.paramRows(pp.Params)
	if err != nil {
		return nil, err
	}
	var params []scalar.Scalar
	switch len(rows) {
	case 0:
	case 1:
		params = rows[0]
	default:
		return nil, errs.Errorf(errs.ErrInvalidArgument, "a query takes one row of parameters, got %d", len(rows))
	}
	if pp.Plan != nil {
		return s.substraitInfo(ctx, sess, pp.Plan, desc)
	}
	tx, err := s.txnFor(ctx, pp.Txn)
	if err != nil {
		return nil, err
	}
	return s.flightInfoFor(ctx, sess, pp.SQL, params, desc, tx)
}

func (s *Server) GetSchemaPreparedStatement(ctx context.Context, cmd flightsql.PreparedStatementQuery, desc *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	pp, sess, err := s.openPrepared(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return nil, err
	}
	if pp.Plan != nil {
		sc, err := s.substraitSchema(ctx, sess, pp.Plan)
		if err != nil {
			return nil, err
		}
		return &flight.SchemaResult{Schema: flight.SerializeSchema(sc, s.alloc)}, nil
	}
	p, err := s.planner.Prepare(ctx, sess, pp.SQL)
	if err != nil {
		return nil, err
	}
	sc := p.ResultSchema
	if sc == nil {
		sc = arrow.NewSchema(nil, nil)
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(sc, s.alloc)}, nil
}

func (s *Server) DoPutPreparedStatementUpdate(ctx context.Context, cmd flightsql.PreparedStatementUpdate, rdr flight.MessageReader) (int64, error) {
	pp, sess, err := s.openPrepared(ctx, cmd.GetPreparedStatementHandle())
	if err != nil {
		return 0, err
	}
	params := pp.Params
	if rdr != nil {
		if p, err := readParams(rdr); err != nil {
			return 0, err
		} else if p != nil {
			params = p
		}
	}
	rows, err := s.paramRows(params)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		rows = [][]scalar.Scalar{nil}
	}
	if pp.Plan != nil {
		return s.substraitUpdate(ctx, sess, pp.Plan)
	}
	tx, err := s.txnFor(ctx, pp.Txn)
	if err != nil {
		return 0, err
	}
	return s.runUpdate(ctx, sess, pp.SQL, rows, tx)
}

// streamLines serves literal text rows (EXPLAIN).
func (s *Server) streamLines(lines []string) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewStringBuilder(s.alloc)
	defer b.Release()
	b.AppendValues(lines, nil)
	col := b.NewArray()
	defer col.Release()
	rec := array.NewRecordBatch(explainSchema, []arrow.Array{col}, int64(len(lines)))
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: rec}
	close(ch)
	return explainSchema, ch, nil
}
