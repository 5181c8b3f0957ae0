package coordinator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/proto/errs"
)

// Bulk ingest (the gateway's CommandStatementIngest; ADBC's adbc.ingest.* options):
//
//   - Table missing: created from the stream's Arrow schema (IngestCreate, the default) or
//     NotFound (IngestFail). Creating is atomic: the table appears with all its rows.
//   - Table present: AlreadyExists (ExistsFail, the default), ExistsAppend (batches are cast
//     to the table's column types; one snapshot commit, retried on top of concurrent
//     appends), or ExistsReplace (the new rows replace the old ones in one snapshot when the
//     columns are the same; with different columns the table is dropped and created again,
//     which is not atomic).
//   - In a transaction (sess.Txn) the rows become part of it and commit with it.
//
// Rows become visible only at the commit: a failed or cancelled ingest leaves nothing behind
// and reports 0 rows.

// IfMissing says what an ingest does when its table does not exist.
type IfMissing int

const (
	IngestCreate IfMissing = iota // create it from the stream's schema
	IngestFail                    // NotFound
)

// IfExists says what an ingest does when its table exists.
type IfExists int

const (
	ExistsFail    IfExists = iota // AlreadyExists
	ExistsAppend                  // add the rows
	ExistsReplace                 // replace the rows
)

// IngestRequest names the table an ingest loads and what to do with it.
type IngestRequest struct {
	Ref       catalog.TableRef // resolved by the caller (schema, temporary schema)
	IfMissing IfMissing
	IfExists  IfExists
}

// Batches is a stream of record batches (array.RecordReader and flight.MessageReader are
// ones); the caller has validated them. RecordBatch's batch is valid until the next Next.
type Batches interface {
	Schema() *arrow.Schema
	Next() bool
	RecordBatch() arrow.RecordBatch
	Err() error
}

// Ingest loads batches into req's table and returns the rows loaded.
func (c *Coordinator) Ingest(ctx context.Context, sess Session, req IngestRequest, rdr Batches) (int64, error) {
	if err := RefuseDryRun(sess.Session, "bulk ingest"); err != nil {
		return 0, err
	}
	ref, tx := req.Ref, sess.Txn
	sc := rdr.Schema()
	if err := rdr.Err(); sc == nil && err != nil {
		return 0, err
	}
	incoming, err := IngestColumns(sc)
	if err != nil {
		return 0, err
	}

	t, err := c.cat.GetTable(ctx, ref)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		if req.IfMissing == IngestFail {
			return 0, errs.Errorf(errs.ErrNotFound, "relation %q does not exist", ref.String())
		}
		if tx != nil {
			return 0, errs.Errorf(errs.ErrNotSupported, "creating a table by ingest inside a transaction; create it first")
		}
		return c.ingestCreate(ctx, catalog.Table{Ref: ref, Columns: incoming}, rdr)
	case err != nil:
		return 0, err
	}
	if err := refuseUncheckedIngest(t); err != nil {
		return 0, err
	}
	switch req.IfExists {
	case ExistsAppend:
		if tx != nil {
			return c.txnIngest(ctx, tx, t, rdr, false)
		}
		return c.ingestAppend(ctx, t, rdr)
	case ExistsReplace:
		if sameColumns(t.Columns, incoming) {
			if tx != nil {
				return c.txnIngest(ctx, tx, t, rdr, true)
			}
			return c.ingestReplace(ctx, t, rdr)
		}
		if tx != nil {
			return 0, errs.Errorf(errs.ErrNotSupported, "replacing a table with different columns inside a transaction")
		}
		if err := c.cat.DropTable(ctx, ref); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return 0, err
		}
		return c.ingestCreate(ctx, catalog.Table{Ref: ref, Columns: incoming, Options: t.Options}, rdr)
	default:
		return 0, errs.Errorf(errs.ErrAlreadyExists, "relation %q already exists", ref.Name)
	}
}

// IngestColumns maps an ingest stream's Arrow schema onto table columns.
func IngestColumns(sc *arrow.Schema) ([]catalog.Column, error) {
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

// WriteBatches writes every batch of rdr through w (the load path of ingest), converted to the table's column types by
// the load fitter (copy_fit.go: a value that does not fit names its row and column). Columns
// are matched by name when the stream's names are the table's (in any order; exact, else
// ignoring case), else by position (the counts must agree).
func (c *Coordinator) WriteBatches(ctx context.Context, w *native.Writer, rdr Batches) (int64, error) {
	t := w.Table()
	order, err := ingestOrder(rdr.Schema(), t)
	if err != nil {
		return 0, err
	}
	fit := newFitter("ingest into "+t.Ref.Name, t, w.Schema(), c.alloc)
	var received atomic.Int64
	p := c.newProgress("ingest "+t.Ref.String(), &received)
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
			return n, rerr // the front end's checks of the stream said what was wrong
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

func (c *Coordinator) ingestCreate(ctx context.Context, t catalog.Table, rdr Batches) (int64, error) {
	return c.writeCreate(ctx, t, func(w *native.Writer) (int64, error) { return c.WriteBatches(ctx, w, rdr) })
}

// writeCreate writes a new table's first files with write and creates the table with them
// in one catalog transaction (CREATE TABLE AS, ingest mode create); a failed write leaves
// nothing behind.
func (c *Coordinator) writeCreate(ctx context.Context, t catalog.Table, write func(*native.Writer) (int64, error)) (int64, error) {
	w := c.store.NewWriter(t)
	n, err := write(w)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if _, err := w.CommitCreate(ctx); err != nil {
		return 0, err
	}
	return n, nil
}

func (c *Coordinator) ingestAppend(ctx context.Context, t catalog.Table, rdr Batches) (int64, error) {
	w := c.store.NewWriter(t)
	n, err := c.WriteBatches(ctx, w, rdr)
	if err != nil {
		w.Abort()
		return 0, err
	}
	if err := c.commitAppend(ctx, t, w, "ingest"); err != nil {
		return 0, err
	}
	return n, nil
}

// ingestReplace swaps the table's rows for the stream's in one snapshot.
func (c *Coordinator) ingestReplace(ctx context.Context, t catalog.Table, rdr Batches) (int64, error) {
	files, n, err := c.stage(ctx, t, func(w *native.Writer) (int64, error) { return c.WriteBatches(ctx, w, rdr) })
	if err != nil {
		return 0, err
	}
	cur, err := c.cat.GetTable(ctx, t.Ref)
	if err == nil && cur.ID != t.ID {
		err = errs.Errorf(errs.ErrConflict, "table %s was dropped and re-created during the write", t.Ref)
	}
	var old catalog.Snapshot
	if err == nil {
		old, err = c.cat.Snapshot(ctx, cur.ID, cur.CurrentSnapshot)
	}
	if err == nil {
		_, err = c.cat.CommitSnapshot(ctx, catalog.Commit{Ref: t.Ref, Base: cur.CurrentSnapshot, Add: files, Remove: filePaths(old.Files), Operation: "replace"})
	}
	if err != nil {
		c.removeFiles(files)
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

// refuseUncheckedIngest refuses bulk ingest into a table with CHECK constraints: ingest writes
// Arrow batches without a plan to evaluate them in, and a constraint is never skipped silently.
func refuseUncheckedIngest(t catalog.Table) error {
	for _, c := range t.Constraints {
		if c.Kind == catalog.ConstraintCheck {
			return errs.Errorf(errs.ErrNotSupported,
				"relation \"%s\" has CHECK constraint \"%s\", which bulk ingest does not evaluate yet; load with INSERT or COPY", t.Ref.Name, c.Name)
		}
	}
	return nil
}
