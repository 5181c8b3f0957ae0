package gateway

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/substrait-io/substrait-go/v8/extensions"
	"github.com/substrait-io/substrait-go/v8/literal"
	"github.com/substrait-io/substrait-go/v8/plan"
	"github.com/substrait-io/substrait-go/v8/types"
	"google.golang.org/grpc/codes"
	gproto "google.golang.org/protobuf/proto"
)

// Client Substrait plans are planned as SQL is (planner.PlanSubstrait): names resolve with
// the session's temporary schema first and search_path, views expand, native scans are
// pruned, the promised schema is the stream's, and a dry run answers the estimate.

// intTextSchema is a table (n INTEGER, s TEXT) or (k INTEGER, v TEXT) as a client writes it.
func intTextSchema(a, b string) types.NamedStruct {
	return types.NamedStruct{Names: []string{a, b}, Struct: types.StructType{Nullability: types.NullabilityRequired,
		Types: []types.Type{&types.Int32Type{Nullability: types.NullabilityNullable}, &types.StringType{Nullability: types.NullabilityNullable}}}}
}

// readPlan reads every column of table names, keeping rows whose first column equals eq
// (eq < 0: all rows).
func readPlan(t *testing.T, schema types.NamedStruct, eq int32, names ...string) flightsql.SubstraitPlan {
	t.Helper()
	b := plan.NewBuilderDefault()
	var root plan.Rel = b.NamedScan(names, schema)
	if eq >= 0 {
		ref, err := b.RootFieldRef(root, 0)
		if err != nil {
			t.Fatal(err)
		}
		cond, err := b.ScalarFn(extensions.SubstraitDefaultURNPrefix+"functions_comparison", "equal", nil, ref, literal.NewInt32(eq, false))
		if err != nil {
			t.Fatal(err)
		}
		if root, err = b.Filter(root, cond); err != nil {
			t.Fatal(err)
		}
	}
	p, err := b.Plan(root, schema.Names)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := p.ToProto()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := gproto.Marshal(pp)
	if err != nil {
		t.Fatal(err)
	}
	return flightsql.SubstraitPlan{Plan: raw, Version: SubstraitVersion}
}

// substraitRows executes a plan, checks that the stream's schema is the promised one and
// returns the rows and the last batch's metadata.
func substraitRows(t *testing.T, c *client, sp flightsql.SubstraitPlan) ([]string, ResultMetadata) {
	t.Helper()
	info, err := c.ExecuteSubstrait(c.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	promised, err := flight.DeserializeSchema(info.Schema, c.alloc)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := c.GetExecuteSubstraitSchema(c.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := flight.DeserializeSchema(sr.Schema, c.alloc); err != nil || !s.Equal(promised) {
		t.Fatalf("GetSchema %v (%v), FlightInfo %v", s, err, promised)
	}
	var rows []string
	var md ResultMetadata
	for _, ep := range info.Endpoint {
		rdr, err := c.DoGet(c.ctx, ep.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Schema().Equal(promised) {
			t.Fatalf("stream schema %v, promised %v", rdr.Schema(), promised)
		}
		var last []byte
		for rdr.Next() {
			rows = append(rows, render(rdr.RecordBatch())...)
			last = rdr.LatestAppMetadata()
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		rdr.Release()
		if err := json.Unmarshal(last, &md); err != nil {
			t.Fatalf("last batch metadata %q: %v", last, err)
		}
	}
	return rows, md
}

func TestSubstraitPlansResolveLikeSQL(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	nums := intTextSchema("n", "s")
	c.exec(t, `CREATE TABLE nums (n INTEGER, s TEXT)`)
	c.exec(t, `INSERT INTO nums VALUES (1, 'one'), (2, 'two'), (3, 'three')`)

	// (a) the session's temporary table, which shadows public.nums for unqualified names
	c.exec(t, `CREATE TEMP TABLE nums (n INTEGER, s TEXT)`)
	c.exec(t, `INSERT INTO nums VALUES (10, 'ten')`)
	rows, _ := substraitRows(t, c, readPlan(t, nums, -1, "nums"))
	want(t, rows, "10|ten")
	rows, _ = substraitRows(t, c, readPlan(t, nums, -1, "public", "nums"))
	want(t, rows, "1|one", "2|two", "3|three")
	rows, _ = substraitRows(t, c, readPlan(t, nums, -1, "pg_temp", "nums"))
	want(t, rows, "10|ten")

	// another session sees no temporary table of this one
	other := ts.client(t)
	c.exec(t, `CREATE TEMP TABLE only_mine (n INTEGER, s TEXT)`)
	_, err := other.ExecuteSubstrait(other.ctx, readPlan(t, nums, -1, "only_mine"))
	wantCode(t, err, codes.NotFound)
	rows, _ = substraitRows(t, other, readPlan(t, nums, -1, "nums"))
	want(t, rows, "1|one", "2|two", "3|three")

	// (b) a view
	c.exec(t, `CREATE VIEW big AS SELECT n, s FROM public.nums WHERE n > 1`)
	rows, _ = substraitRows(t, c, readPlan(t, nums, -1, "big"))
	want(t, rows, "2|two", "3|three")
	rows, _ = substraitRows(t, c, readPlan(t, nums, 3, "big"))
	want(t, rows, "3|three")

	// (c) an unqualified name under SET search_path
	c.exec(t, `CREATE SCHEMA sales`)
	c.exec(t, `CREATE TABLE sales.orders (n INTEGER, s TEXT)`)
	c.exec(t, `INSERT INTO sales.orders VALUES (7, 'seven')`)
	_, err = c.ExecuteSubstrait(c.ctx, readPlan(t, nums, -1, "orders"))
	wantCode(t, err, codes.NotFound)
	c.exec(t, `SET search_path = sales`)
	rows, _ = substraitRows(t, c, readPlan(t, nums, -1, "orders"))
	want(t, rows, "7|seven")
	c.exec(t, `SET search_path = public`)

	// (d) a partitioned native table with a filter: pruned like SQL, fewer bytes scanned
	ev := intTextSchema("k", "v")
	c.exec(t, `CREATE TABLE ev (k INTEGER, v TEXT) WITH (partition_by = 'k')`)
	for k := 1; k <= 4; k++ {
		c.exec(t, `INSERT INTO ev SELECT `+strconv.Itoa(k)+`, repeat('x', 100) || g FROM (VALUES (1),(2),(3),(4),(5)) AS s(g)`)
	}
	rows, all := substraitRows(t, c, readPlan(t, ev, -1, "ev"))
	if len(rows) != 20 {
		t.Fatalf("all rows: %d", len(rows))
	}
	rows, one := substraitRows(t, c, readPlan(t, ev, 2, "ev"))
	if len(rows) != 5 || one.Rows != 5 {
		t.Fatalf("k = 2: %d rows, metadata %+v", len(rows), one)
	}
	if !(one.BytesScanned > 0 && one.BytesScanned*3 <= all.BytesScanned) {
		t.Fatalf("bytes scanned: k = 2 %d, all %d (pruning should keep one partition of four)", one.BytesScanned, all.BytesScanned)
	}
	sqlMD, _ := lastMetadata(t, c, `SELECT k, v FROM ev WHERE k = 2`)
	if sqlMD.BytesScanned != one.BytesScanned {
		t.Fatalf("bytes scanned: Substrait %d, SQL %d", one.BytesScanned, sqlMD.BytesScanned)
	}

	// dry run: the estimate, as SQL answers it, and the same estimate
	c.exec(t, `SET tern.dry_run = on`)
	est, _ := substraitRows(t, c, readPlan(t, ev, 2, "ev"))
	want(t, est, c.query(t, `SELECT k, v FROM ev WHERE k = 2`)...)
	if len(est) != 1 || est[0][:len(strconv.FormatInt(one.BytesScanned, 10))+1] != strconv.FormatInt(one.BytesScanned, 10)+"|" {
		t.Fatalf("dry run %q, bytes scanned when run %d", est, one.BytesScanned)
	}
	c.exec(t, `SET tern.dry_run = off`)
}
