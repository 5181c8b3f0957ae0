package gateway

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
)

func ingestOpts(table string, missing flightsql.TableDefinitionOptionsTableNotExistOption, exists flightsql.TableDefinitionOptionsTableExistsOption) *flightsql.ExecuteIngestOpts {
	return &flightsql.ExecuteIngestOpts{
		TableDefinitionOptions: &flightsql.TableDefinitionOptions{IfNotExist: missing, IfExists: exists},
		Table:                  table,
	}
}

func TestConformanceIngestModes(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	ingest := func(o *flightsql.ExecuteIngestOpts, n int64) (int64, error) {
		rdr := newInt64Reader(c.alloc, n, 1000)
		defer rdr.Release()
		return c.ExecuteIngest(c.ctx, rdr, o)
	}
	const (
		create  = flightsql.TableDefinitionOptionsTableNotExistOptionCreate
		mustBe  = flightsql.TableDefinitionOptionsTableNotExistOptionFail
		fail    = flightsql.TableDefinitionOptionsTableExistsOptionFail
		append_ = flightsql.TableDefinitionOptionsTableExistsOptionAppend
		replace = flightsql.TableDefinitionOptionsTableExistsOptionReplace
	)
	// Append to a missing table with FAIL: NotFound, and nothing is created.
	_, err := ingest(ingestOpts("t", mustBe, append_), 10)
	wantCode(t, err, codes.NotFound)
	// Create.
	if n, err := ingest(ingestOpts("t", create, fail), 2500); err != nil || n != 2500 {
		t.Fatalf("create: %d %v", n, err)
	}
	want(t, c.query(t, `SELECT count(*), sum(x) FROM t`), "2500|3123750")
	// Fail when it exists.
	_, err = ingest(ingestOpts("t", create, fail), 10)
	wantCode(t, err, codes.AlreadyExists)
	// Append.
	if n, err := ingest(ingestOpts("t", mustBe, append_), 10); err != nil || n != 10 {
		t.Fatalf("append: %d %v", n, err)
	}
	want(t, c.query(t, `SELECT count(*) FROM t`), "2510")
	// Replace: same columns, one snapshot.
	if n, err := ingest(ingestOpts("t", create, replace), 7); err != nil || n != 7 {
		t.Fatalf("replace: %d %v", n, err)
	}
	want(t, c.query(t, `SELECT count(*), max(x) FROM t`), "7|6")
	// Append with cast: INTEGER table, int8 stream (cast by position).
	c.exec(t, `CREATE TABLE small (v INTEGER, w TEXT)`)
	sc := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int8}, {Name: "w", Type: arrow.BinaryTypes.LargeString}}, nil)
	b := array.NewRecordBuilder(c.alloc, sc)
	b.Field(0).(*array.Int8Builder).AppendValues([]int8{1, 2, 3}, nil)
	b.Field(1).(*array.LargeStringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	rec := b.NewRecordBatch()
	b.Release()
	rr, _ := array.NewRecordReader(sc, []arrow.RecordBatch{rec})
	rec.Release()
	n, err := c.ExecuteIngest(c.ctx, rr, ingestOpts("small", mustBe, append_))
	rr.Release()
	if err != nil || n != 3 {
		t.Fatalf("append with cast: %d %v", n, err)
	}
	want(t, c.query(t, `SELECT sum(v), min(w) FROM small`), "6|a")
}

// Temporary tables live in the session's temporary schema, are hidden from other sessions,
// and go with CloseSession.
func TestConformanceIngestTemporary(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	rdr := newInt64Reader(c.alloc, 100, 50)
	o := ingestOpts("scratch", flightsql.TableDefinitionOptionsTableNotExistOptionCreate, flightsql.TableDefinitionOptionsTableExistsOptionFail)
	o.Temporary = true
	n, err := c.ExecuteIngest(c.ctx, rdr, o)
	rdr.Release()
	if err != nil || n != 100 {
		t.Fatalf("temporary ingest: %d %v", n, err)
	}
	tt := []string{"LOCAL TEMPORARY"}
	info, err := c.GetTables(c.ctx, &flightsql.GetTablesOpts{TableTypes: tt})
	if err != nil {
		t.Fatal(err)
	}
	rows := c.rows(t, info)
	if len(rows) != 1 {
		t.Fatalf("temporary tables: %q", rows)
	}
	schema := rows[0][len("tern|"):]
	schema = schema[:len(schema)-len("|scratch|LOCAL TEMPORARY")]
	want(t, c.query(t, `SELECT count(*) FROM `+schema+`.scratch`), "100")
	// By its short name too, as clients use temporary tables; ahead of a permanent namesake.
	c.exec(t, `CREATE TABLE scratch (x BIGINT)`)
	want(t, c.query(t, `SELECT count(*) FROM scratch`), "100")
	want(t, c.query(t, `SELECT count(*) FROM public.scratch`), "0")

	// Another session does not see it.
	other := ts.client(t)
	info, err = other.GetTables(other.ctx, &flightsql.GetTablesOpts{TableTypes: tt})
	if err != nil {
		t.Fatal(err)
	}
	want(t, other.rows(t, info))
	want(t, other.query(t, `SELECT count(*) FROM scratch`), "0")

	if res, err := c.CloseSession(c.ctx, &flight.CloseSessionRequest{}); err != nil || res.Status != flight.CloseSessionResultClosed {
		t.Fatalf("close session: %v %v", res, err)
	}
	_, err = c.Execute(c.ctx, `SELECT count(*) FROM `+schema+`.scratch`)
	wantCode(t, err, codes.NotFound)
}
