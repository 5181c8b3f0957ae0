package exec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto/errs"
)

// Helpers to build expressions in tests.

var (
	tBool = arrow.FixedWidthTypes.Boolean
	tI16  = arrow.PrimitiveTypes.Int16
	tI32  = arrow.PrimitiveTypes.Int32
	tI64  = arrow.PrimitiveTypes.Int64
	tF32  = arrow.PrimitiveTypes.Float32
	tF64  = arrow.PrimitiveTypes.Float64
	tStr  = arrow.BinaryTypes.String
	tDate = arrow.FixedWidthTypes.Date32
	tTs   = &arrow.TimestampType{Unit: arrow.Microsecond}
	tTsz  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
)

func tDec(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }

type eb struct {
	t      testing.TB
	schema *arrow.Schema
}

func (b eb) col(i int) exec.Expr { return exec.NewColumnRef(i, b.schema.Field(i).Type) }

func (b eb) lit(v any) exec.Expr {
	var s scalar.Scalar
	switch v := v.(type) {
	case scalar.Scalar:
		s = v
	default:
		s = scalar.MakeScalar(v)
	}
	l, err := exec.NewLiteral(s)
	if err != nil {
		b.t.Fatal(err)
	}
	return l
}

func (b eb) null(dt arrow.DataType) exec.Expr { return b.lit(scalar.MakeNullScalar(dt)) }

func (b eb) dec(unscaled int64, p, s int32) exec.Expr {
	return b.lit(scalar.NewDecimal128Scalar(decimal128.FromI64(unscaled), tDec(p, s)))
}

func (b eb) call(name string, out arrow.DataType, args ...exec.Expr) exec.Expr {
	e, err := build(name, args, out)
	if err != nil {
		b.t.Fatalf("call %s: %v", name, err)
	}
	return e
}

// build constructs function name through the registry, as the node's compiler does; names
// the registry does not declare (pi, concat_pg: the binder rewrites those) go to their
// kernel family directly.
func build(name string, args []exec.Expr, out arrow.DataType) (exec.Expr, error) {
	if f, ok := functions.ByID(name); ok {
		return f.Build(args, out)
	}
	if e, err := exec.StringFunc(name)(args, out); err == nil {
		return e, nil
	}
	return exec.Math(name)(args, out)
}

func (b eb) cast(e exec.Expr, to arrow.DataType) exec.Expr {
	c, err := exec.NewCast(e, to)
	if err != nil {
		b.t.Fatalf("NewCast: %v", err)
	}
	return c
}

func schemaOf(types ...arrow.DataType) *arrow.Schema {
	fs := make([]arrow.Field, len(types))
	for i, t := range types {
		fs[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: t, Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

type exprCase struct {
	name  string
	types []arrow.DataType
	rows  string // JSON rows; columns named c0, c1, ...
	build func(b eb) exec.Expr
	want  []string
	// nullRow is the expected result for an injected row of all-NULL inputs ("" means NULL;
	// "-" skips the injection).
	nullRow string
	err     string // expected error substring (wrapping ErrInvalidArgument)
}

// runExprCases evaluates each case through a Project at every batch size, with an all-NULL
// row injected at the front and the back, under a checked allocator.
func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, tc := range cases {
		for _, size := range exectest.BatchSizes {
			for _, inject := range []bool{false, true} {
				if inject && (tc.nullRow == "-" || len(tc.types) == 0) {
					continue
				}
				t.Run(fmt.Sprintf("%s/size=%d/nulls=%v", tc.name, size, inject), func(t *testing.T) {
					runExprCase(t, tc, size, inject)
				})
			}
		}
	}
}

func runExprCase(t *testing.T, tc exprCase, size int, inject bool) {
	mem := exectest.Alloc(t)
	schema := schemaOf(tc.types...)
	rows := tc.rows
	want := append([]string(nil), tc.want...)
	if inject {
		nullObj := "{}"
		body := strings.TrimSpace(rows)
		body = strings.TrimSuffix(strings.TrimPrefix(body, "["), "]")
		if strings.TrimSpace(body) == "" {
			rows = "[" + nullObj + "," + nullObj + "]"
		} else {
			rows = "[" + nullObj + "," + body + "," + nullObj + "]"
		}
		nr := tc.nullRow
		if nr == "" {
			nr = "NULL"
		}
		want = append(append([]string{nr}, want...), nr)
	}
	rec := exectest.Record(t, mem, schema, rows)
	defer rec.Release()
	e := tc.build(eb{t: t, schema: schema})
	p, err := exec.NewProject(exec.Env{Alloc: mem}, exectest.SourceOf(rec, size), []exec.Expr{e}, []string{"r"})
	if err != nil {
		t.Fatal(err)
	}
	if tc.err != "" {
		batches, err := exec.Drain(context.Background(), p)
		for _, b := range batches {
			b.Release()
		}
		if err == nil {
			t.Fatalf("want error %q, got none", tc.err)
		}
		if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.err) {
			t.Fatalf("want error %q (invalid argument), got %v", tc.err, err)
		}
		return
	}
	got := exectest.Rows(t, p)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func decimalOf(v int64) decimal128.Num { return decimal128.FromI64(v) }
