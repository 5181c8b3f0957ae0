package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/proto/errs"
)

// DoPutCommandStatementIngest bulk-loads the client's batches into a native table
// (CommandStatementIngest; ADBC's adbc.ingest.* statement options).
//
//   - Table missing: created from the stream's Arrow schema (TABLE_NOT_EXIST_OPTION_CREATE, the
//     default) or NotFound (FAIL). Creating is atomic: the table appears with all its rows.
//   - Table present: AlreadyExists (FAIL, the default), APPEND (batches are cast to the table's
//     column types by position; one snapshot commit, retried on top of concurrent appends), or
//     REPLACE (the new rows replace the old ones in one snapshot when the columns are the same;
//     with different columns the table is dropped and created again, which is not atomic).
//   - Temporary: the table lives in the session's temporary schema (pg_temp_<session id>),
//     which CloseSession empties. It is reachable by that qualified name.
//   - With a transaction id the rows become part of the transaction and commit with it.
//
// Rows become visible only at the commit: a failed or cancelled ingest leaves nothing behind
// and reports 0 rows.
func (s *Server) DoPutCommandStatementIngest(ctx context.Context, cmd flightsql.StatementIngest, rdr flight.MessageReader) (int64, error) {
	rdr = checkedBatches(rdr) // ipcstream.go: every batch validated before use
	sess, err := session(ctx)
	if err != nil {
		return 0, err
	}
	if err := refuseDryRun(sess, "bulk ingest"); err != nil { // dryrun.go
		return 0, err
	}
	if cmd.GetTable() == "" {
		return 0, errs.Errorf(errs.ErrInvalidArgument, "ingest needs a target table")
	}
	if c := cmd.GetCatalog(); c != "" && c != catalog.CatalogName {
		return 0, errs.Errorf(errs.ErrNotFound, "catalog %q does not exist", c)
	}
	ref := catalog.TableRef{Tenant: sess.Tenant, Schema: sess.Schema, Name: cmd.GetTable()}
	if cmd.GetSchema() != "" {
		ref.Schema = cmd.GetSchema()
	}
	if cmd.GetTemporary() {
		st, err := s.ensureTempSchema(ctx) // session.go
		if err != nil {
			return 0, err
		}
		ref.Schema = st.tempSchema()
	}
	var tx *txnState
	if id := cmd.GetTransactionId(); len(id) > 0 {
		if tx, err = s.openTxn(ctx, id); err != nil {
			return 0, err
		}
	}

	opts := cmd.GetTableDefinitionOptions()
	ifMissing := flightsql.TableDefinitionOptionsTableNotExistOptionCreate
	ifExists := flightsql.TableDefinitionOptionsTableExistsOptionFail
	if opts != nil {
		if opts.IfNotExist != flightsql.TableDefinitionOptionsTableNotExistOptionUnspecified {
			ifMissing = opts.IfNotExist
		}
		if opts.IfExists != flightsql.TableDefinitionOptionsTableExistsOptionUnspecified {
			ifExists = opts.IfExists
		}
	}
	sc := rdr.Schema()
	if err := rdr.Err(); sc == nil && err != nil {
		return 0, err
	}
	incoming, err := ingestColumns(sc)
	if err != nil {
		return 0, err
	}

	t, err := s.cat.GetTable(ctx, ref)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		if ifMissing == flightsql.TableDefinitionOptionsTableNotExistOptionFail {
			return 0, errs.Errorf(errs.ErrNotFound, "relation %q does not exist", ref.String())
		}
		if tx != nil {
			return 0, errs.Errorf(errs.ErrNotSupported, "creating a table by ingest inside a transaction; create it first")
		}
		return s.ingestCreate(ctx, catalog.Table{Ref: ref, Columns: incoming}, rdr)
	case err != nil:
		return 0, err
	}
	if err := refuseUncheckedIngest(t); err != nil { // ddl_exec.go
		return 0, err
	}
	switch ifExists {
	case flightsql.TableDefinitionOptionsTableExistsOptionAppend:
		if tx != nil {
			return s.txnIngest(ctx, tx, t, rdr, false)
		}
		return s.ingestAppend(ctx, t, rdr)
	case flightsql.TableDefinitionOptionsTableExistsOptionReplace:
		if sameColumns(t.Columns, incoming) {
			if tx != nil {
				return s.txnIngest(ctx, tx, t, rdr, true)
			}
			return s.ingestReplace(ctx, t, rdr)
		}
		if tx != nil {
			return 0, errs.Errorf(errs.ErrNotSupported, "replacing a table with different columns inside a transaction")
		}
		if err := s.cat.DropTable(ctx, ref); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return 0, err
		}
		return s.ingestCreate(ctx, catalog.Table{Ref: ref, Columns: incoming, Options: t.Options}, rdr)
	default:
		return 0, errs.Errorf(errs.ErrAlreadyExists, "relation %q already exists", ref.Name)
	}
}

// ingestColumns maps the stream's Arrow schema onto table columns.
func ingestColumns(sc *arrow.Schema) ([]catalog.Column, error) {
	if sc == nil || sc.NumFields() == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "ingest stream has no columns")
	}
	cols := make([]catalog.Column, sc.NumFields())
	for i, f := range sc.Fields() {
		t, err := catalog.TypeFromArrow(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		cols[i] = catalog.Column{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return cols, nil
}

func sameColumns(a, b []catalog.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type {
			return false
		}
	}
	return true
}

// writeStream writes every batch of rdr through w, converted to the table's column types by
// the load fitter (copy_fit.go: a value that does not fit names its row and column). Columns
// are matched by name when the stream's names are the table's (in any order; exact, else
// ignoring case), else by position (the counts must agree).
func (s *Server) writeStream(ctx context.Context, w *native.Writer, rdr flight.MessageReader) (int64, error) {
	t := w.Table()
	order, err := ingestOrder(rdr.Schema(), t)
	if err != nil {
		return 0, err
	}
	fit := newFitter("ingest into "+t.Ref.Name, t, w.Schema(), s.alloc)
	var received atomic.Int64
	p := s.newProgress("ingest "+t.Ref.String(), &received)
	var n int64
	defer func() { p.end(err) }()
	for rdr.Next() {
		if err = ctx.Err(); err != nil {
			return n, err
		}
		rec := rdr.RecordBatch()
		received.Add(batchBytes(rec))
		in := reorderColumns(rec, order)
		cast, ferr := fit.fit(ctx, in)
		in.Release()
		if ferr != nil {
			err = ferr
			return n, err
		}
		err = w.Write(ctx, cast)
		cast.Release()
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
		p.add(rec.NumRows())
	}
	if rerr := rdr.Err(); rerr != nil && !errors.Is(rerr, io.EOF) {
		if ctx.Err() != nil {
			err = ctx.Err()
			return n, err
		}
		if errors.Is(rerr, errs.ErrInvalidArgument) {
			return n, rerr // the IPC checks (ipcstream.go) said what was wrong
		}
		err = errs.Errorf(errs.ErrInvalidArgument, "reading the ingest stream: %v", rerr)
		return n, err
	}
	return n, nil
}

// ingestOrder returns, for each table column, the stream column that feeds it.
func ingestOrder(sc *arrow.Schema, t catalog.Table) ([]int, error) {
	if sc == nil || sc.NumFields() != len(t.Columns) {
		n := 0
		if sc != nil {
			n = sc.NumFields()
		}
		return nil, errs.Errorf(errs.ErrInvalidArgument, "ingest stream has %d columns but table %q has %d", n, t.Ref.Name, len(t.Columns))
	}
	order := make([]int, len(t.Columns))
	byName := true
	for j, c := range t.Columns {
		idx := -1
		for i, f := range sc.Fields() {
			if f.Name == c.Name {
				idx = i
			}
		}
		if idx < 0 {
			for i, f := range sc.Fields() {
				if strings.EqualFold(f.Name, c.Name) {
					if idx >= 0 {
						idx = -2 // ambiguous
						break
					}
					idx = i
				}
			}
		}
		if idx < 0 {
			byName = false
			break
		}
		order[j] = idx
	}
	if byName {
		seen := map[int]bool{}
		for _, i := range order {
			if seen[i] {
				byName = false
			}
			seen[i] = true
		}
	}
	if !byName {
		for j := range order {
			order[j] = j
		}
	}
	return order, nil
}

// reorderColumns returns rec's columns in order (a new reference).
func reorderColumns(rec arrow.RecordBatch, order []int) arrow.RecordBatch {
	cols := make([]arrow.Array, len(order))
	fields := make([]arrow.Field, len(order))
	for j, i := range order {
		cols[j] = rec.Column(i)
		fields[j] = rec.Schema().Field(i)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
}

// batchBytes is the size of a batch's buffers.
func batchBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		for _, b := range c.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
}

func (s *Server) ingestCreate(ctx context.Context, t catalog.Table, rdr flight.MessageReader) (int64, error) {
	w := s.store.NewWriter(t)
	n, err := s.writeStream(ctx, w, rdr)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if _, err := w.CommitCreate(ctx); err != nil {
		return 0, err
	}
	return n, nil
}

func (s *Server) ingestAppend(ctx context.Context, t catalog.Table, rdr flight.MessageReader) (int64, error) {
	w := s.store.NewWriter(t)
	n, err := s.writeStream(ctx, w, rdr)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if err := s.commitAppend(ctx, t, w, "ingest"); err != nil {
		return 0, err
	}
	return n, nil
}

// commitAppend commits w's files on top of the table's current snapshot. Appends commute, so a
// commit that lost a race with another one is retried on the new snapshot.
func (s *Server) commitAppend(ctx context.Context, t catalog.Table, w *native.Writer, op string) error {
	for attempt := 0; ; attempt++ {
		cur, err := s.cat.GetTable(ctx, t.Ref)
		if err != nil {
			w.Abort()
			return err
		}
		if cur.ID != t.ID {
			w.Abort()
			return errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the write", t.Ref)
		}
		_, err = w.Commit(ctx, cur.CurrentSnapshot, op)
		if err == nil || !errors.Is(err, errs.ErrConflict) || attempt >= 20 {
			w.Abort() // no-op after a commit
			return err
		}
	}
}

// ingestReplace swaps the table's rows for the stream's in one snapshot.
func (s *Server) ingestReplace(ctx context.Context, t catalog.Table, rdr flight.MessageReader) (int64, error) {
	files, n, err := s.stage(ctx, t, func(w *native.Writer) (int64, error) { return s.writeStream(ctx, w, rdr) })
	if err != nil {
		return 0, err
	}
	cur, err := s.cat.GetTable(ctx, t.Ref)
	if err == nil && cur.ID != t.ID {
		err = errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the write", t.Ref)
	}
	var old catalog.Snapshot
	if err == nil {
		old, err = s.cat.Snapshot(ctx, cur.ID, cur.CurrentSnapshot)
	}
	if err == nil {
		_, err = s.cat.CommitSnapshot(ctx, catalog.Commit{Ref: t.Ref, Base: cur.CurrentSnapshot, Add: files, Remove: filePaths(old.Files), Operation: "replace"})
	}
	if err != nil {
		s.removeFiles(files)
		return 0, err
	}
	return n, nil
}

func filePaths(files []catalog.DataFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}
