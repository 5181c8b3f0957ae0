package gateway

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// objectTables flattens ADBC's GetObjects answer to "schema.table|type|col1,col2,..." lines.
func objectTables(t *testing.T, rr array.RecordReader) []string {
	t.Helper()
	defer rr.Release()
	var out []string
	for rr.Next() {
		rec := rr.RecordBatch()
		schemas := rec.Column(1).(*array.List)
		sv := schemas.ListValues().(*array.Struct)
		for c := 0; c < int(rec.NumRows()); c++ {
			s0, s1 := schemas.ValueOffsets(c)
			for s := int(s0); s < int(s1); s++ {
				sname := sv.Field(0).(*array.String).Value(s)
				tables := sv.Field(1).(*array.List)
				tv := tables.ListValues().(*array.Struct)
				t0, t1 := tables.ValueOffsets(s)
				for ti := int(t0); ti < int(t1); ti++ {
					line := sname + "." + tv.Field(0).(*array.String).Value(ti) + "|" + tv.Field(1).(*array.String).Value(ti)
					cols := tv.Field(2).(*array.List)
					cv := cols.ListValues().(*array.Struct)
					c0, c1 := cols.ValueOffsets(ti)
					var names []string
					for ci := int(c0); ci < int(c1); ci++ {
						names = append(names, cv.Field(0).(*array.String).Value(ci))
					}
					out = append(out, line+"|"+strings.Join(names, ","))
				}
			}
		}
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// What SQL editors and BI tools ask first, through the ADBC driver: table types, objects with
// views as VIEW (and filtered by type), a view's schema, and queries over information_schema
// and pg_catalog (refused by the driver as "inconsistent schema" before the stream carried
// the promised schema).
func TestADBCCatalogMetadata(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	ctx := context.Background()
	adbcExec(t, cn, "CREATE TABLE mt (id integer NOT NULL, name varchar(10))")
	adbcExec(t, cn, "INSERT INTO mt VALUES (1, 'a'), (2, NULL)")
	adbcExec(t, cn, "CREATE VIEW mv AS SELECT id, upper(name) AS uname FROM mt")

	rr, err := cn.GetTableTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for rr.Next() {
		types = append(types, render(rr.RecordBatch())...)
	}
	rr.Release()
	want(t, types, "FOREIGN TABLE", "LOCAL TEMPORARY", "TABLE", "VIEW")

	rr, err = cn.GetObjects(ctx, adbc.ObjectDepthAll, nil, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, objectTables(t, rr), "public.mt|TABLE|id,name", "public.mv|VIEW|id,uname")
	rr, err = cn.GetObjects(ctx, adbc.ObjectDepthAll, nil, nil, nil, nil, []string{"VIEW"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, objectTables(t, rr), "public.mv|VIEW|id,uname")
	rr, err = cn.GetObjects(ctx, adbc.ObjectDepthTables, nil, nil, nil, nil, []string{"TABLE"})
	if err != nil {
		t.Fatal(err)
	}
	want(t, objectTables(t, rr), "public.mt|TABLE|")

	sc, err := cn.GetTableSchema(ctx, nil, nil, "mt")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Field(0).Nullable || !sc.Field(1).Nullable {
		t.Errorf("GetTableSchema(mt): %v, want id NOT NULL, name nullable", sc)
	}
	sc, err = cn.GetTableSchema(ctx, nil, nil, "mv")
	if err != nil {
		t.Fatal(err)
	}
	if sc.NumFields() != 2 || !sc.Field(0).Nullable || !sc.Field(1).Nullable {
		t.Errorf("GetTableSchema(mv): %v, want two nullable columns (as PostgreSQL reports a view's)", sc)
	}

	want(t, adbcQuery(t, cn, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", nil),
		"mt|BASE TABLE", "mv|VIEW")
	want(t, adbcQuery(t, cn, "SELECT table_name, check_option FROM information_schema.views", nil), "mv|NONE")
	want(t, adbcQuery(t, cn, "SELECT column_name, is_nullable, data_type, character_maximum_length FROM information_schema.columns WHERE table_name = 'mt' ORDER BY ordinal_position", nil),
		"id|NO|integer|NULL", "name|YES|character varying|10")
	want(t, adbcQuery(t, cn, "SELECT viewname FROM pg_catalog.pg_views WHERE schemaname = 'public'", nil), "mv")
	want(t, adbcQuery(t, cn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", nil), "mt")
	want(t, adbcQuery(t, cn, "SELECT c.relname, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1", nil),
		"mt|r", "mv|v")
	want(t, adbcQuery(t, cn, "SELECT a.attname, a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'mt' ORDER BY a.attnum", nil),
		"id|t", "name|f")
	// computed columns the planner knows are never NULL, through the driver's schema check;
	// the promise is exact where it is cheap to know
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery("SELECT name, row_number() OVER (), count(*) OVER (), name IS NULL, (id > 1) IS TRUE, " +
		"name IS DISTINCT FROM 'a', concat(name, '!'), coalesce(name, '-'), CASE WHEN id > 1 THEN 'x' ELSE 'y' END, " +
		"CASE WHEN id > 1 THEN name ELSE 'y' END, lpad(name, 3), sum(id) OVER (), upper(name) FROM mt"); err != nil {
		t.Fatal(err)
	}
	sc, err = st.(adbc.StatementExecuteSchema).ExecuteSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var nulls []string
	for _, f := range sc.Fields() {
		nulls = append(nulls, map[bool]string{true: "null", false: "not null"}[f.Nullable])
	}
	want(t, nulls, "null", "not null", "not null", "not null", "not null", "not null", "not null", "not null", "not null",
		"null", "null", "null", "null")
	want(t, adbcQuery(t, cn, "SELECT id, row_number() OVER (ORDER BY id), count(*) OVER (), name IS NULL, concat(name, '!'), coalesce(name, '-') FROM mt ORDER BY id", nil),
		"1|1|2|f|a!|a", "2|2|2|t|!|-")
}

// GetXdbcTypeInfo sets every field PostgreSQL's JDBC driver sets in getTypeInfo (nullable,
// column size, scales, radix, unsigned...): only the datetime subcode of non-datetime types
// and the interval precision stay NULL, as XDBC defines them.
func TestXdbcTypeInfoFieldsSet(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	info, err := c.GetXdbcTypeInfo(c.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := c.DoGet(c.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	rows := 0
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			rows++
			name := rec.Column(0).(*array.String).Value(r)
			for col := 0; col < int(rec.NumCols()); col++ {
				field := rec.Schema().Field(col).Name
				switch field {
				case "datetime_subcode", "interval_precision", "literal_prefix", "literal_suffix", "create_params":
					continue // NULL where the type has none
				}
				if rec.Column(col).IsNull(r) {
					t.Errorf("%s: %s is NULL", name, field)
				}
			}
			if n := rec.Column(6).(*array.Int32).Value(r); n != 1 {
				t.Errorf("%s: nullable %d, want 1 (NULLABILITY_NULLABLE)", name, n)
			}
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	if rows == 0 {
		t.Fatal("no types")
	}
}
