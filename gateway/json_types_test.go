package gateway

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/flight"
)

// json and jsonb columns reach a Flight SQL client as Arrow's canonical JSON extension type,
// in the FlightInfo schema and in the stream, holding json's verbatim and jsonb's
// normalized text; plain text stays utf8.
func TestJSONColumnsAreArrowJSON(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, "CREATE TABLE ev (j json, b jsonb, s text)")
	c.exec(t, `INSERT INTO ev VALUES ('{"b":1,  "a":2}', '{"b":1,  "a":2}', 'x')`)
	info, err := c.Execute(c.ctx, "SELECT j, b, b -> 'a' AS a, s FROM ev")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := flight.DeserializeSchema(info.Schema, c.alloc)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"j", "b", "a"} {
		if _, ok := sc.Field(i).Type.(*extensions.JSONType); !ok {
			t.Errorf("column %s promised as %s, want arrow.json", name, sc.Field(i).Type)
		}
	}
	if _, ok := sc.Field(3).Type.(*extensions.JSONType); ok {
		t.Errorf("text column promised as arrow.json")
	}
	rdr, err := c.DoGet(c.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	if !rdr.Next() {
		t.Fatalf("no batch: %v", rdr.Err())
	}
	rec := rdr.RecordBatch()
	if !rec.Schema().Equal(sc) {
		t.Errorf("streamed schema %s differs from the promise %s", rec.Schema(), sc)
	}
	j, ok := rec.Column(1).(*extensions.JSONArray)
	if !ok {
		t.Fatalf("jsonb column streams as %T", rec.Column(1))
	}
	if got := j.ValueStr(0); got != `{"a": 2, "b": 1}` {
		t.Errorf("jsonb value %s", got)
	}
	want(t, render(rec), `{"b":1,  "a":2}|{"a": 2, "b": 1}|2|x`)
}
