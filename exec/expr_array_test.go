package exec_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
)

var intList = arrow.ListOfField(arrow.Field{Name: "item", Type: arrow.PrimitiveTypes.Int32, Nullable: true})

// arrayBatch is one batch: a (int[]), b (int[]), s (text), x (int).
func arrayBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: intList, Nullable: true}, {Name: "b", Type: intList, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
		{"a": [1, 2, null], "b": [2], "s": "{1,2,NULL}", "x": 2},
		{"a": [], "b": [], "s": "{}", "x": null},
		{"a": null, "b": [3, 3], "s": null, "x": 3},
		{"a": [5, 1], "b": null, "s": "{ 5 , 1 }", "x": 9},
		{"a": [null], "b": [null], "s": "{NULL}", "x": 1},
		{"a": [7, 7, 7], "b": [7], "s": "{7,7,7}", "x": 7},
		{"a": [0], "b": [1, 0], "s": "{0}", "x": 0}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func strs(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		if a.IsNull(i) {
			out[i] = "NULL"
		} else {
			out[i] = a.ValueStr(i)
		}
	}
	return out
}

// Every array kernel gives the same answers over the whole batch and over slices of 1 and
// 7 rows (offsets into the list buffers), and leaves no buffer behind.
func TestArrayKernels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := arrayBatch(t, mem)
	defer rec.Release()
	col := func(i int) exec.Expr { return exec.NewColumnRef(i, rec.Schema().Field(i).Type) }
	toText := func(e exec.Expr) exec.Expr {
		c, err := exec.NewCast(e, arrow.BinaryTypes.String)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	build := func(b exec.Builder, out arrow.DataType, args ...exec.Expr) exec.Expr {
		e, err := b(args, out)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	parsed, err := exec.NewCast(col(2), intList)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		e    exec.Expr
		want string
	}{
		{"out", toText(col(0)), "{1,2,NULL} {} NULL {5,1} {NULL} {7,7,7} {0}"},
		{"in", toText(parsed), "{1,2,NULL} {} NULL {5,1} {NULL} {7,7,7} {0}"},
		{"cat", toText(build(exec.ArrayFunc("array_cat"), intList, col(0), col(1))), "{1,2,NULL,2} {} {3,3} {5,1} {NULL,NULL} {7,7,7,7} {0,1,0}"},
		{"append", toText(build(exec.ArrayFunc("array_append"), intList, col(0), col(3))), "{1,2,NULL,2} {NULL} {3} {5,1,9} {NULL,1} {7,7,7,7} {0,0}"},
		{"subscript", build(exec.ArrayFunc("array_subscript"), nil, col(0), col(3)), "2 NULL NULL NULL NULL NULL NULL"},
		{"remove", toText(build(exec.ArrayFunc("array_remove"), nil, col(0), col(3))), "{1,NULL} {} NULL {5,1} {NULL} {} {}"},
		{"cardinality", build(exec.ArrayFunc("cardinality"), nil, col(0)), "3 0 NULL 2 1 3 1"},
		{"any", build(exec.ArrayAnyAll("array_any_equal", "equal", false), nil, col(3), col(0)), "true false NULL false NULL true true"},
		{"all", build(exec.ArrayAnyAll("array_all_gte", "gte", true), nil, col(3), col(0)), "NULL true NULL true NULL true true"},
		{"equal", build(exec.Compare("equal"), nil, col(0), col(1)), "false true NULL NULL true false false"},
		{"lt", build(exec.Compare("lt"), nil, col(0), col(1)), "true false NULL NULL false false true"},
		{"contains", build(exec.ArrayFunc("array_contains"), nil, col(0), col(1)), "true true NULL NULL false true false"},
		{"overlap", build(exec.ArrayFunc("array_overlap"), nil, col(0), col(1)), "true false NULL NULL false true true"},
		{"positions", toText(build(exec.ArrayFunc("array_positions"), nil, col(0), col(3))), "{2} {} NULL {} {} {1,2,3} {1}"},
		{"to_string", build(exec.ArrayFunc("array_to_string"), nil, col(0), col(2)), "1{1,2,NULL}2 (empty) NULL 5{ 5 , 1 }1 (empty) 7{7,7,7}7{7,7,7}7 0"},
	}
	for _, c := range cases {
		for _, size := range []int{int(rec.NumRows()), 1, 7} {
			var got []string
			for off := 0; off < int(rec.NumRows()); off += size {
				part := rec.NewSlice(int64(off), int64(min(off+size, int(rec.NumRows()))))
				a, err := c.e.Eval(context.Background(), part, mem)
				part.Release()
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				got = append(got, strs(a)...)
				a.Release()
			}
			g := strings.ReplaceAll(strings.Join(got, " "), "  ", " (empty) ")
			if g != c.want && !(c.name == "to_string" && strings.Join(got, "|") == strings.ReplaceAll(strings.ReplaceAll(c.want, " ", "|"), "(empty)", "")) {
				t.Errorf("%s (batches of %d):\n got %s\nwant %s", c.name, size, strings.Join(got, " "), c.want)
			}
		}
	}
}

// Bad array text is PostgreSQL's error, never a panic.
func TestArrayTextErrors(t *testing.T) {
	for _, s := range []string{"1,2", "{1,2", "{1,2}x", `{"a}`, "{,}", "{1,,2}", "{{1},2}"} {
		if _, _, err := exec.ParseArrayText(s); err == nil || !strings.Contains(err.Error(), "malformed array literal") {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, _, err := exec.ParseArrayText("{{1},{2}}"); err == nil || !strings.Contains(err.Error(), "multidimensional") {
		t.Errorf("two dimensions: %v", err)
	}
}

// FuzzParseArrayText: whatever the text, parsing ends without a panic, and what parses
// prints (array_out's quoting) to text that parses back to the same elements.
func FuzzParseArrayText(f *testing.F) {
	for _, s := range []string{"{}", "{1,2,NULL}", `{"a b",NULL,"","x\"y","\\"}`, "{ a , b }", "{{1},{2}}", `{a\,b}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals, oks, err := exec.ParseArrayText(s)
		if err != nil {
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := array.NewStringBuilder(mem)
		for i, v := range vals {
			if oks[i] {
				b.Append(v)
			} else {
				b.AppendNull()
			}
		}
		child := b.NewArray()
		b.Release()
		lb := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		lb.Append(true)
		for i := 0; i < child.Len(); i++ {
			if child.IsNull(i) {
				lb.ValueBuilder().AppendNull()
			} else {
				lb.ValueBuilder().(*array.StringBuilder).Append(child.(*array.String).Value(i))
			}
		}
		child.Release()
		l := lb.NewArray()
		lb.Release()
		defer l.Release()
		rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "l", Type: l.DataType(), Nullable: true}}, nil), []arrow.Array{l}, 1)
		defer rec.Release()
		c, err := exec.NewCast(exec.NewColumnRef(0, l.DataType()), arrow.BinaryTypes.String)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Eval(context.Background(), rec, mem)
		if err != nil {
			t.Fatal(err)
		}
		text := out.(*array.String).Value(0)
		out.Release()
		again, oks2, err := exec.ParseArrayText(text)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, text, err)
		}
		if len(again) != len(vals) {
			t.Fatalf("%q -> %q: %d elements, then %d", s, text, len(vals), len(again))
		}
		for i := range vals {
			if oks[i] != oks2[i] || (oks[i] && vals[i] != again[i]) {
				t.Fatalf("%q -> %q: element %d %q/%v became %q/%v", s, text, i, vals[i], oks[i], again[i], oks2[i])
			}
		}
	})
}
