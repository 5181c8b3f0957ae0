package gateway

import (
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
