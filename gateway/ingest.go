package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
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
		st, fresh, err := s.ensureSession(ctx)
		if err != nil {
			return 0, err
		}
		if fresh {
			if err := s.saveSession(ctx, st); err != nil {
				return 0, err
			}
		}
		ref.Schema = st.tempSchema()
		if err := s.cat.CreateSchema(ctx, ref.Tenant, ref.Schema); err != nil && !errors.Is(err, errs.ErrAlreadyExists) {
			return 0, err
		}
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

// writeStream writes every batch of rdr through w, cast to the table's column types.
func (s *Server) writeStream(ctx context.Context, w *native.Writer, rdr flight.MessageReader) (int64, error) {
	target := w.Schema()
	cctx := compute.WithAllocator(ctx, s.alloc)
	var n int64
	for rdr.Next() {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		rec := rdr.RecordBatch()
		if int(rec.NumCols()) != target.NumFields() {
			return n, errs.Errorf(errs.ErrInvalidArgument, "ingest batch has %d columns but the table has %d", rec.NumCols(), target.NumFields())
		}
		cast, err := castBatch(cctx, rec, target)
		if err != nil {
			return n, err
		}
		err = w.Write(ctx, cast)
		cast.Release()
		if err != nil {
			return n, err
		}
		n += rec.NumRows()
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		return n, errs.Errorf(errs.ErrInvalidArgument, "reading the ingest stream: %v", err)
	}
	return n, nil
}

// castBatch returns rec with its columns cast to target's types (a new reference either way).
func castBatch(ctx context.Context, rec arrow.RecordBatch, target *arrow.Schema) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i := range cols {
		col := rec.Column(i)
		want := target.Field(i).Type
		if arrow.TypeEqual(col.DataType(), want) {
			col.Retain()
			cols[i] = col
			continue
		}
		opts := compute.SafeCastOptions(want)
		opts.AllowTimeTruncate = true
		out, err := compute.CastArray(ctx, col, opts)
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "column %q: cannot store %s as %s", target.Field(i).Name, col.DataType(), want)
		}
		cols[i] = out
	}
	return array.NewRecordBatch(target, cols, rec.NumRows()), nil
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
