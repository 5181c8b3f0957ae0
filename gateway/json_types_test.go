package gateway

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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

// A prepared statement's json parameter is text the client sends, read by jsonb's input
// function: normalized, and refused with PostgreSQL's message when it is no JSON.
func TestJSONParameter(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	ps, err := c.Prepare(c.ctx, `SELECT $1::jsonb -> 'a'`)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close(c.ctx)
	for _, tc := range []struct{ in, want string }{{`{"a": [1,   2]}`, "[1, 2]"}, {`{"a" 1}`, ""}} {
		b := array.NewStringBuilder(c.alloc)
		b.Append(tc.in)
		col := b.NewArray()
		b.Release()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "$1", Type: arrow.BinaryTypes.String, Nullable: true}}, nil), []arrow.Array{col}, 1)
		col.Release()
		ps.SetParameters(rec)
		rec.Release()
		info, err := ps.Execute(c.ctx)
		if tc.want == "" {
			if err == nil {
				_, err = c.readInfo(c.ctx, info)
			}
			if err == nil || !strings.Contains(err.Error(), "invalid input syntax for type json") {
				t.Errorf("%s: %v, want invalid input syntax for type json", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		want(t, c.rows(t, info), tc.want)
	}
}
