package exec_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

func TestFilter(t *testing.T) {
	schema := schemaOf(tI32, tStr)
	rows := `[{"c0":1,"c1":"a"},{"c0":null,"c1":"b"},{"c0":5,"c1":null},{"c0":2,"c1":"d"},
	{"c0":7,"c1":"e"},{"c0":3,"c1":"f"},{"c0":9,"c1":"g"},{"c0":null,"c1":null},{"c0":4,"c1":"i"}]`
	for _, tc := range []struct {
		name string
		pred func(b eb) exec.Expr
		want []string
	}{
		{"gt", func(b eb) exec.Expr { return b.call("gt", nil, b.col(0), b.lit(int32(3))) },
			[]string{"5|NULL", "7|e", "9|g", "4|i"}},
		{"none", func(b eb) exec.Expr { return b.call("gt", nil, b.col(0), b.lit(int32(100))) }, nil},
		{"all-valid", func(b eb) exec.Expr { return b.lit(true) },
			[]string{"1|a", "NULL|b", "5|NULL", "2|d", "7|e", "3|f", "9|g", "NULL|NULL", "4|i"}},
		{"null-literal", func(b eb) exec.Expr { return b.null(tBool) }, nil},
		{"null-drops", func(b eb) exec.Expr { return b.call("lt", nil, b.col(0), b.lit(int32(3))) },
			[]string{"1|a", "2|d"}},
		{"and-narrowing", func(b eb) exec.Expr {
			return b.call("and", nil, b.call("is_not_null", nil, b.col(1)), b.call("gt", nil, b.col(0), b.lit(int32(2))),
				b.call("lt", nil, b.col(0), b.lit(int32(9))))
		}, []string{"7|e", "3|f", "4|i"}},
		{"and-null-conjunct", func(b eb) exec.Expr {
			return b.call("and", nil, b.call("gt", nil, b.col(0), b.lit(int32(2))), b.null(tBool))
		}, nil},
		{"string-like", func(b eb) exec.Expr {
			return b.call("or", nil, b.call("like", tBool, b.col(1), b.lit("a%")), b.call("is_null", nil, b.col(1)))
		}, []string{"1|a", "5|NULL", "NULL|NULL"}},
	} {
		for _, size := range exectest.BatchSizes {
			t.Run(fmt.Sprintf("%s/%d", tc.name, size), func(t *testing.T) {
				mem := exectest.Alloc(t)
				rec := exectest.Record(t, mem, schema, rows)
				defer rec.Release()
				f, err := exec.NewFilter(exec.Env{Alloc: mem}, exectest.SourceOf(rec, size), tc.pred(eb{t: t, schema: schema}))
				if err != nil {
					t.Fatal(err)
				}
				got := exectest.Rows(t, f)
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Fatalf("got %q want %q", got, tc.want)
				}
			})
		}
	}
}

func TestFilterSkipsEmptyBatchesAndCloses(t *testing.T) {
	mem := exectest.Alloc(t)
	schema := schemaOf(tI64)
	empty := exectest.Record(t, mem, schema, `[]`)
	one := exectest.Record(t, mem, schema, `[{"c0":1},{"c0":2}]`)
	defer empty.Release()
	defer one.Release()
	src := exec.NewSource(schema, empty, one, empty)
	b := eb{t: t, schema: schema}
	f, err := exec.NewFilter(exec.Env{Alloc: mem}, src, b.call("equal", nil, b.col(0), b.lit(int64(2))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := f.Open(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := f.Next(ctx)
	if err != nil || out.NumRows() != 1 {
		t.Fatalf("got %v rows, err %v", out, err)
	}
	out.Release()
	// Close without draining releases what the source still holds.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFilterRejectsNonBoolean(t *testing.T) {
	schema := schemaOf(tI64)
	if _, err := exec.NewFilter(exec.Env{}, exec.NewSource(schema), exec.NewColumnRef(0, tI64)); err == nil {
		t.Fatal("want error")
	}
}

func TestProject(t *testing.T) {
	schema := schemaOf(tI64, tStr)
	rows := `[{"c0":1,"c1":"a"},{"c0":null,"c1":"b"},{"c0":3,"c1":null}]`
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := exectest.Record(t, mem, schema, rows)
			defer rec.Release()
			b := eb{t: t, schema: schema}
			p, err := exec.NewProject(exec.Env{Alloc: mem}, exectest.SourceOf(rec, size), []exec.Expr{
				b.col(1), b.call("multiply", tI64, b.col(0), b.lit(int64(2))), b.lit("k"), b.call("is_null", nil, b.col(0)),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Schema().Field(0).Name; got != "c1" {
				t.Fatalf("column ref keeps its name, got %q", got)
			}
			got := exectest.Rows(t, p)
			want := []string{"a|2|k|false", "b|NULL|k|true", "NULL|6|k|false"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got %q want %q", got, want)
			}
		})
	}
}

func TestProjectErrorReleases(t *testing.T) {
	mem := exectest.Alloc(t)
	schema := schemaOf(tI32)
	rec := exectest.Record(t, mem, schema, `[{"c0":1},{"c0":0}]`)
	defer rec.Release()
	b := eb{t: t, schema: schema}
	// The first expression succeeds, the second fails: the first's column must be released.
	p, err := exec.NewProject(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 1024), []exec.Expr{
		b.call("add", tI32, b.col(0), b.lit(int32(1))), b.call("divide", tI32, b.lit(int32(1)), b.col(0)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Drain(context.Background(), p); err == nil {
		t.Fatal("want division by zero")
	}
}

// Benchmarks.

func benchBatch(b *testing.B, n int) arrow.RecordBatch {
	mem := memory.DefaultAllocator
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	sb := array.NewStringBuilder(mem)
	db := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 15, Scale: 2})
	for i := 0; i < n; i++ {
		if i%17 == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int64(i % 1000))
		}
		fb.Append(float64(i) * 0.5)
		sb.Append([]string{"PROMO BRUSHED", "STANDARD POLISHED", "ECONOMY ANODIZED"}[i%3])
		db.Append(decimalOf(int64(i*7 + 1)))
	}
	cols := []arrow.Array{ib.NewArray(), fb.NewArray(), sb.NewArray(), db.NewArray()}
	schema := schemaOf(tI64, tF64, tStr, &arrow.Decimal128Type{Precision: 15, Scale: 2})
	return array.NewRecordBatch(schema, cols, int64(n))
}

func benchExpr(b *testing.B, build func(e eb) exec.Expr) {
	rec := benchBatch(b, exec.DefaultBatchSize)
	e := build(eb{t: b, schema: rec.Schema()})
	ctx := context.Background()
	b.SetBytes(int64(rec.NumRows()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := e.Eval(ctx, rec, memory.DefaultAllocator)
		if err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
}

func BenchmarkCompareInt64Literal(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr { return e.call("lt", nil, e.col(0), e.lit(int64(500))) })
}

func BenchmarkAddInt64(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr { return e.call("add", tI64, e.col(0), e.col(0)) })
}

func BenchmarkMultiplyFloat64(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr { return e.call("multiply", tF64, e.col(1), e.lit(float64(1.5))) })
}

func BenchmarkMultiplyDecimal(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr {
		return e.call("multiply", tDec(31, 4), e.col(3), e.call("subtract", tDec(16, 2), e.dec(100, 15, 2), e.col(3)))
	})
}

func BenchmarkLikePrefix(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr { return e.call("like", tBool, e.col(2), e.lit("PROMO%")) })
}

func BenchmarkLikeGeneral(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr { return e.call("like", tBool, e.col(2), e.lit("%O_ISH%")) })
}

func BenchmarkAndOr(b *testing.B) {
	benchExpr(b, func(e eb) exec.Expr {
		return e.call("and", nil, e.call("gt", nil, e.col(0), e.lit(int64(100))),
			e.call("or", nil, e.call("lt", nil, e.col(1), e.lit(float64(1000))), e.call("is_null", nil, e.col(0))))
	})
}

func BenchmarkFilter(b *testing.B) {
	rec := benchBatch(b, exec.DefaultBatchSize)
	be := eb{t: b, schema: rec.Schema()}
	pred := be.call("and", nil, be.call("gte", nil, be.col(0), be.lit(int64(100))), be.call("lt", nil, be.col(0), be.lit(int64(300))))
	ctx := context.Background()
	b.SetBytes(int64(rec.NumRows()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := exec.NewFilter(exec.Env{}, exec.NewSource(rec.Schema(), rec), pred)
		if err != nil {
			b.Fatal(err)
		}
		out, err := exec.Drain(ctx, f)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			o.Release()
		}
	}
}
