package gateway

import (
	"strings"

	"google.golang.org/grpc/codes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
)

// Keys declared by CREATE TABLE come back through the Flight SQL key RPCs, as JDBC's
// DatabaseMetaData.getPrimaryKeys/getImportedKeys/getExportedKeys/getCrossReference read them.
func TestDDLKeysRPCs(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE customers (id INTEGER, region TEXT, code TEXT UNIQUE, PRIMARY KEY (region, id))`)
	c.exec(t, `CREATE TABLE orders (oid BIGINT PRIMARY KEY, cregion TEXT, cid INTEGER, ccode TEXT,
		FOREIGN KEY (cregion, cid) REFERENCES customers (region, id) ON DELETE CASCADE,
		CONSTRAINT orders_code_fk FOREIGN KEY (ccode) REFERENCES customers (code))`)
	c.exec(t, `CREATE TABLE plain (a INTEGER)`)

	schema := "public"
	get := func(f func() (*flight.FlightInfo, error)) []string {
		t.Helper()
		info, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return c.rows(t, info)
	}
	customers := flightsql.TableRef{Table: "customers"}
	orders := flightsql.TableRef{DBSchema: &schema, Table: "orders"}

	want(t, get(func() (*flight.FlightInfo, error) { return c.GetPrimaryKeys(c.ctx, customers) }),
		"tern|public|customers|region|1|customers_pkey",
		"tern|public|customers|id|2|customers_pkey")
	want(t, get(func() (*flight.FlightInfo, error) { return c.GetPrimaryKeys(c.ctx, orders) }),
		"tern|public|orders|oid|1|orders_pkey")
	want(t, get(func() (*flight.FlightInfo, error) {
		return c.GetPrimaryKeys(c.ctx, flightsql.TableRef{Table: "plain"})
	}))

	// pk catalog/schema/table/column, fk catalog/schema/table/column, seq, fk name, pk name,
	// update rule (3: NO ACTION), delete rule (0: CASCADE)
	fk := []string{
		"tern|public|customers|region|tern|public|orders|cregion|1|orders_cregion_cid_fkey|customers_pkey|3|0",
		"tern|public|customers|id|tern|public|orders|cid|2|orders_cregion_cid_fkey|customers_pkey|3|0",
		"tern|public|customers|code|tern|public|orders|ccode|1|orders_code_fk|customers_code_key|3|3",
	}
	want(t, get(func() (*flight.FlightInfo, error) { return c.GetImportedKeys(c.ctx, orders) }), fk...)
	want(t, get(func() (*flight.FlightInfo, error) { return c.GetExportedKeys(c.ctx, customers) }), fk...)
	want(t, get(func() (*flight.FlightInfo, error) {
		return c.GetCrossReference(c.ctx, customers, orders)
	}), fk...)
	want(t, get(func() (*flight.FlightInfo, error) {
		return c.GetCrossReference(c.ctx, orders, customers)
	}))
	want(t, get(func() (*flight.FlightInfo, error) { return c.GetImportedKeys(c.ctx, customers) }))
	want(t, get(func() (*flight.FlightInfo, error) { return c.GetExportedKeys(c.ctx, orders) }))
}

// Bulk ingest cannot evaluate CHECK constraints: it refuses such a table instead of skipping
// the constraint (NOT NULL is enforced by the native writer on every path).
func TestDDLIngestConstraints(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE chk (x BIGINT CHECK (x >= 0), y INTEGER)`)
	rdr := newInt64Reader(c.alloc, 10, 4)
	defer rdr.Release()
	_, err := c.ExecuteIngest(c.ctx, rdr, &flightsql.ExecuteIngestOpts{
		TableDefinitionOptions: &flightsql.TableDefinitionOptions{
			IfNotExist: flightsql.TableDefinitionOptionsTableNotExistOptionFail,
			IfExists:   flightsql.TableDefinitionOptionsTableExistsOptionAppend,
		},
		Table: "chk",
	})
	wantCode(t, err, codes.Unimplemented)
	if !strings.Contains(err.Error(), `CHECK constraint "chk_x_check"`) {
		t.Fatalf("chk: %v", err)
	}
	want(t, c.query(t, `SELECT count(*) FROM chk`), "0")
}
