package exec_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
)

// Functions of the string and math families
// produce exactly the output type they are given: round/ceil of numeric(12,2) to scale 0 or
// n must not keep the argument's scale.
func TestCallKeepsOutputType(t *testing.T) {
	in := &arrow.Decimal128Type{Precision: 12, Scale: 2}
	bld := array.NewDecimal128Builder(memory.DefaultAllocator, in)
	defer bld.Release()
	bld.Append(decimal128.FromI64(351)) // 3.51
	a := bld.NewArray()
	defer a.Release()
	b := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "a", Type: in}}, nil), []arrow.Array{a}, 1)
	defer b.Release()
	one, err := exec.NewLiteral(scalar.NewInt32Scalar(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []exec.Expr
		out  *arrow.Decimal128Type
		want string
	}{
		{"ceil", nil, &arrow.Decimal128Type{Precision: 11, Scale: 0}, "4"},
		{"floor", nil, &arrow.Decimal128Type{Precision: 11, Scale: 0}, "3"},
		{"round", []exec.Expr{one}, &arrow.Decimal128Type{Precision: 12, Scale: 1}, "3.5"},
		{"trunc", []exec.Expr{one}, &arrow.Decimal128Type{Precision: 12, Scale: 1}, "3.5"},
		{"abs", nil, in, "3.51"},
	} {
		x, err := build(c.name, append([]exec.Expr{exec.NewColumnRef(0, in)}, c.args...), c.out)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !arrow.TypeEqual(x.Type(), c.out) {
			t.Errorf("%s: type %s, want %s", c.name, x.Type(), c.out)
		}
		r, err := x.Eval(context.Background(), b, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !arrow.TypeEqual(r.DataType(), c.out) {
			t.Errorf("%s: result type %s, want %s", c.name, r.DataType(), c.out)
		}
		if got := r.(*array.Decimal128).Value(0).ToString(c.out.Scale); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		r.Release()
	}
}
