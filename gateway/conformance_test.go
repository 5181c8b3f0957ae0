package gateway

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
)

func TestConformanceSqlInfo(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	info, err := c.GetSqlInfo(c.ctx, nil) // every key
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := c.DoGet(c.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	got := map[uint32]string{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		names := rec.Column(0).(*array.Uint32)
		vals := rec.Column(1).(*array.DenseUnion)
		for i := 0; i < int(rec.NumRows()); i++ {
			child := vals.Field(vals.ChildID(i))
			got[names.Value(i)] = child.ValueStr(int(vals.ValueOffset(i)))
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	for k := range sqlInfo() {
		if _, ok := got[uint32(k)]; !ok {
			t.Errorf("SqlInfo %v missing", k)
		}
	}
	// Every key of FlightSql.proto that a JDBC DatabaseMetaData reads is answered.
	for _, k := range []flightsql.SqlInfo{
		flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoFlightSqlServerReadOnly,
		flightsql.SqlInfoDDLTable, flightsql.SqlInfoIdentifierCase, flightsql.SqlInfoIdentifierQuoteChar,
		flightsql.SqlInfoQuotedIdentifierCase, flightsql.SqlInfoAllTablesAreASelectable, flightsql.SqlInfoNullOrdering,
		flightsql.SqlInfoKeywords, flightsql.SqlInfoNumericFunctions, flightsql.SqlInfoStringFunctions,
		flightsql.SqlInfoSystemFunctions, flightsql.SqlInfoDateTimeFunctions, flightsql.SqlInfoSearchStringEscape,
		flightsql.SqlInfoExtraNameChars, flightsql.SqlInfoSupportsColumnAliasing, flightsql.SqlInfoNullPlusNullIsNull,
		flightsql.SqlInfoSupportsConvert, flightsql.SqlInfoSupportedGroupBy, flightsql.SqlInfoSupportedGrammar,
		flightsql.SqlInfoANSI92SupportedLevel, flightsql.SqlInfoOuterJoinsSupportLevel, flightsql.SqlInfoSchemaTerm,
		flightsql.SqlInfoCatalogAtStart, flightsql.SqlInfoSupportedSubqueries, flightsql.SqlInfoSupportedUnions,
		flightsql.SqlInfoMaxColumnNameLen, flightsql.SqlInfoMaxUsernameLen, flightsql.SqlInfoDefaultTransactionIsolation,
		flightsql.SqlInfoTransactionsSupported, flightsql.SqlInfoSupportedTransactionsIsolationlevels,
		flightsql.SqlInfoSupportedResultSetTypes, flightsql.SqlInfoBatchUpdatesSupported, flightsql.SqlInfoSavePointsSupported,
		flightsql.SqlInfoStoredFunctionsUsingCallSyntaxSupported,
	} {
		if _, ok := got[uint32(k)]; !ok {
			t.Errorf("SqlInfo %v missing", k)
		}
	}
	for k, v := range map[flightsql.SqlInfo]string{
		flightsql.SqlInfoFlightSqlServerName:          "Tern",
		flightsql.SqlInfoFlightSqlServerTransaction:   "1",
		flightsql.SqlInfoFlightSqlServerCancel:        "true",
		flightsql.SqlInfoFlightSqlServerBulkIngestion: "true",
		flightsql.SqlInfoFlightSqlServerSubstrait:     "true",
		flightsql.SqlInfoTransactionsSupported:        "true",
		flightsql.SqlInfoIdentifierCase:               "3",
		// full outer joins; comparison, EXISTS, IN and quantified subqueries, correlated too
		flightsql.SqlInfoOuterJoinsSupportLevel:        "2",
		flightsql.SqlInfoSupportedSubqueries:           "15",
		flightsql.SqlInfoCorrelatedSubqueriesSupported: "true",
	} {
		if got[uint32(k)] != v {
			t.Errorf("SqlInfo %v = %q, want %q", k, got[uint32(k)], v)
		}
	}

	// A filtered request returns exactly the keys asked for; ADBC's GetInfo goes through it.
	info, err = c.GetSqlInfo(c.ctx, []flightsql.SqlInfo{flightsql.SqlInfoFlightSqlServerName, flightsql.SqlInfoSchemaTerm})
	if err != nil {
		t.Fatal(err)
	}
	if rows := c.rows(t, info); len(rows) != 2 {
		t.Fatalf("filtered SqlInfo: %q", rows)
	}
	cn := ts.openADBC(t, nil)
	rr, err := cn.GetInfo(context.Background(), []adbc.InfoCode{adbc.InfoVendorName, adbc.InfoVendorSubstrait})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for rr.Next() {
		n += int(rr.RecordBatch().NumRows())
	}
	rr.Release()
	if n != 2 {
		t.Fatalf("ADBC GetInfo returned %d rows", n)
	}
}

func TestConformanceXdbcTypeInfo(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	info, err := c.GetXdbcTypeInfo(c.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	rows := c.rows(t, info)
	if info.TotalRecords != int64(len(rows)) {
		t.Fatalf("total_records %d for %d rows", info.TotalRecords, len(rows))
	}
	if len(rows) != len(xdbcTypes) {
		t.Fatalf("got %d types: %q", len(rows), rows)
	}
	sc, err := flight.DeserializeSchema(info.Schema, c.alloc)
	if err != nil || !sc.Equal(schema_ref.XdbcTypeInfo) {
		t.Fatalf("schema %v (%v)", sc, err)
	}
	dt := int32(xdbcTimestamp)
	info, err = c.GetXdbcTypeInfo(c.ctx, &dt)
	if err != nil {
		t.Fatal(err)
	}
	rows = c.rows(t, info)
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "timestamp without time zone|93|") || !strings.HasPrefix(rows[1], "timestamp with time zone|93|") {
		t.Fatalf("timestamps: %q", rows)
	}
}

func TestConformanceCatalogsSchemasTablesKeys(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE orders (id BIGINT NOT NULL, amount NUMERIC(12,2), note VARCHAR(40), at TIMESTAMPTZ, d DATE)`)

	info, err := c.GetCatalogs(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "tern")
	if info.TotalRecords != 1 {
		t.Fatalf("catalogs: total_records %d", info.TotalRecords)
	}

	schema := "pub%"
	info, err = c.GetDBSchemas(c.ctx, &flightsql.GetDBSchemasOpts{DbSchemaFilterPattern: &schema})
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "tern|public")

	info, err = c.GetTableTypes(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "FOREIGN TABLE", "LOCAL TEMPORARY", "TABLE", "VIEW")

	pattern := "ord%"
	info, err = c.GetTables(c.ctx, &flightsql.GetTablesOpts{TableNameFilterPattern: &pattern, IncludeSchema: true, TableTypes: []string{"TABLE"}})
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := c.DoGet(c.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if !rdr.Next() {
		t.Fatalf("no tables: %v", rdr.Err())
	}
	rec := rdr.RecordBatch()
	if rec.NumRows() != 1 || rec.Column(2).ValueStr(0) != "orders" || rec.Column(3).ValueStr(0) != "TABLE" {
		t.Fatalf("tables: %v", rec)
	}
	tsc, err := flight.DeserializeSchema(rec.Column(4).(*array.Binary).Value(0), c.alloc)
	rdr.Release()
	if err != nil {
		t.Fatal(err)
	}
	type colWant struct {
		typ, typeName, precision, scale string
		nullable                        bool
	}
	wants := map[string]colWant{
		"id":     {"int64", "bigint", "19", "0", false},
		"amount": {"decimal(12, 2)", "numeric(12,2)", "12", "2", true},
		"note":   {"utf8", "character varying(40)", "40", "", true},
		"at":     {"timestamp[us, tz=UTC]", "timestamp with time zone", "32", "6", true},
		"d":      {"date32", "date", "10", "0", true},
	}
	for _, f := range tsc.Fields() {
		w := wants[f.Name]
		md := flightsql.ColumnMetadata{Data: &f.Metadata}
		typeName, _ := md.TypeName()
		if f.Type.String() != w.typ || typeName != w.typeName || f.Nullable != w.nullable {
			t.Errorf("%s: type %s name %q nullable %v; want %s %q %v", f.Name, f.Type, typeName, f.Nullable, w.typ, w.typeName, w.nullable)
		}
		p, _ := md.Precision()
		s, hasScale := md.Scale()
		if strconv.Itoa(int(p)) != w.precision || (w.scale != "" && (!hasScale || strconv.Itoa(int(s)) != w.scale)) {
			t.Errorf("%s: precision %d scale %d, want %s %s", f.Name, p, s, w.precision, w.scale)
		}
		if cat, _ := md.CatalogName(); cat != "tern" {
			t.Errorf("%s: catalog %q", f.Name, cat)
		}
		if tbl, _ := md.TableName(); tbl != "orders" {
			t.Errorf("%s: table %q", f.Name, tbl)
		}
	}

	// Keys: Tern has none; each RPC answers an empty result of the right schema.
	ref := flightsql.TableRef{Table: "orders"}
	for name, get := range map[string]func() (*flight.FlightInfo, error){
		"primary":  func() (*flight.FlightInfo, error) { return c.GetPrimaryKeys(c.ctx, ref) },
		"exported": func() (*flight.FlightInfo, error) { return c.GetExportedKeys(c.ctx, ref) },
		"imported": func() (*flight.FlightInfo, error) { return c.GetImportedKeys(c.ctx, ref) },
		"cross":    func() (*flight.FlightInfo, error) { return c.GetCrossReference(c.ctx, ref, ref) },
	} {
		info, err := get()
		if err != nil {
			t.Fatalf("%s keys: %v", name, err)
		}
		if rows := c.rows(t, info); len(rows) != 0 {
			t.Fatalf("%s keys: %q", name, rows)
		}
	}

	// ADBC's GetObjects walks catalogs, schemas, tables and columns.
	cn := ts.openADBC(t, nil)
	rr, err := cn.GetObjects(context.Background(), adbc.ObjectDepthAll, nil, nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	rr.Release()
	if n != 1 {
		t.Fatalf("GetObjects: %d catalogs", n)
	}
	tblSchema, err := cn.GetTableSchema(context.Background(), nil, nil, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if tblSchema.NumFields() != 5 || tblSchema.Field(1).Type.String() != "decimal(12, 2)" {
		t.Fatalf("GetTableSchema: %v", tblSchema)
	}
}

// Result types: TIMESTAMPTZ as timestamps with an explicit UTC zone, TIMESTAMP with none,
// NUMERIC as Decimal128 with its precision and scale, INTERVAL as month-day-nano.
func TestConformanceResultTypes(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE typed (a TIMESTAMPTZ, b TIMESTAMP, n NUMERIC(9,3))`)
	c.exec(t, `INSERT INTO typed VALUES (TIMESTAMPTZ '2024-01-02 03:04:05+00', TIMESTAMP '2024-01-02 03:04:05', 1.5)`)
	info, err := c.Execute(c.ctx, `SELECT a, b, n FROM typed`)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := flight.DeserializeSchema(info.Schema, c.alloc)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []arrow.DataType{
		&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
		&arrow.TimestampType{Unit: arrow.Microsecond},
		&arrow.Decimal128Type{Precision: 9, Scale: 3},
	} {
		if !arrow.TypeEqual(sc.Field(i).Type, w) {
			t.Errorf("column %d: %s, want %s", i, sc.Field(i).Type, w)
		}
	}
	if rows := c.rows(t, info); len(rows) != 1 {
		t.Fatalf("rows: %q", rows)
	}
}
