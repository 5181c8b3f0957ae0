package gateway

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// A parameter compared with or inserted into a CHAR(n) column is padded like a constant: a
// prepared statement finds the row a literal finds, and an insert stores the padded value.
func TestCharParameters(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE cp (id INTEGER, c CHAR(4))`)
	c.exec(t, `INSERT INTO cp VALUES (1, 'ab'), (2, 'abcd')`)
	strParam := func(v string) arrow.RecordBatch {
		b := array.NewStringBuilder(c.alloc)
		defer b.Release()
		b.Append(v)
		a := b.NewArray()
		defer a.Release()
		s := arrow.NewSchema([]arrow.Field{{Name: "p", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		return array.NewRecordBatch(s, []arrow.Array{a}, 1)
	}
	ins, err := c.Prepare(c.ctx, `INSERT INTO cp VALUES (3, $1)`)
	if err != nil {
		t.Fatal(err)
	}
	p := strParam("x")
	ins.SetParameters(p)
	p.Release()
	if n, err := ins.ExecuteUpdate(c.ctx); err != nil || n != 1 {
		t.Fatalf("prepared insert: %d %v", n, err)
	}
	ins.Close(c.ctx)
	want(t, c.query(t, `SELECT '|' || c || '|', octet_length(c) FROM cp WHERE id = 3`), "|x||4")

	sel, err := c.Prepare(c.ctx, `SELECT id FROM cp WHERE c = $1`)
	if err != nil {
		t.Fatal(err)
	}
	defer sel.Close(c.ctx)
	for v, id := range map[string]string{"ab": "1", "ab  ": "1", "abcd": "2", "x": "3"} {
		p := strParam(v)
		sel.SetParameters(p)
		p.Release()
		info, err := sel.Execute(c.ctx)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		want(t, c.rows(t, info), id)
	}
}
