package functions

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// Every declaration is complete, and the consumer's lookup (URN and name, as the producer
// writes them) finds the same declaration.
func TestDeclarationsComplete(t *testing.T) {
	for _, f := range All() {
		if f.ID == "" || f.Name == "" || f.Build == nil || (f.URN == "" && f.URNFor == nil) {
			t.Errorf("%+v: incomplete declaration", f)
			continue
		}
		for _, ts := range [][]catalog.Type{{catalog.Int64, catalog.Int64}, {catalog.Numeric(10, 2)}, {catalog.Date, catalog.Interval}} {
			got, ok := Lookup(f.URNOf(ts), f.Name)
			if !ok || got != f {
				t.Errorf("%s: Lookup(%s, %s) = %v, %v", f.ID, f.URNOf(ts), f.Name, got, ok)
			}
		}
		if g, _ := ByID(f.ID); g != f {
			t.Errorf("%s: ByID finds another declaration", f.ID)
		}
		for _, s := range f.SQL {
			found := false
			for _, g := range BySQL(s) {
				found = found || g == f
			}
			if !found {
				t.Errorf("%s: BySQL(%q) misses it", f.ID, s)
			}
		}
	}
}

// Every declared signature has a kernel for its parameter types and the kernel's result
// type is the declared result type: the binder's promise and the executor agree.
func TestSignaturesHaveKernels(t *testing.T) {
	n := 0
	for _, f := range All() {
		for _, s := range f.Sigs {
			for k := len(s.Args) - s.Optional; k <= len(s.Args); k++ {
				args := make([]exec.Expr, k)
				for i := range args {
					l, err := exec.NewLiteral(scalar.MakeNullScalar(s.Args[i].Arrow()))
					if err != nil {
						t.Fatal(err)
					}
					args[i] = l
				}
				e, err := f.Build(args, s.Result.Arrow())
				if err != nil {
					t.Errorf("%s%v: %v", f.ID, s.Args[:k], err)
					continue
				}
				n++
				if got := e.Type(); got.ID() != s.Result.Arrow().ID() {
					t.Errorf("%s%v: kernel type %s, declared %s", f.ID, s.Args[:k], got, s.Result)
				}
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d signatures built", n)
	}
}

// The concat() function and the || operator share a Substrait name under two URNs.
func TestConcatURNs(t *testing.T) {
	op, _ := Lookup(proto.URNString, proto.FnConcat)
	fn, _ := Lookup(proto.URNTern, proto.FnConcatFunc)
	if op == nil || fn == nil || op == fn || op.ID != proto.FnConcat || fn.ID != IDConcatFunc {
		t.Fatalf("|| = %v, concat() = %v", op, fn)
	}
	if fn.Nullable([]bool{true, true}) || !op.Nullable([]bool{false, true}) {
		t.Error("concat() never NULL; || NULL with a nullable argument")
	}
}

// Every cast the registry declares (in any context) has an executor kernel, so a cast the
// binder accepts never fails to compile; and the casts it refuses have none or are refused
// by PostgreSQL too.
func TestDeclaredCastsHaveKernels(t *testing.T) {
	types := []catalog.Type{catalog.Bool, catalog.Int16, catalog.Int32, catalog.Int64, catalog.Float32, catalog.Float64,
		catalog.Numeric(10, 2), catalog.Text, catalog.Date, catalog.Timestamp, catalog.TimestampTZ, catalog.Interval}
	n := 0
	for _, from := range types {
		in, err := exec.NewLiteral(scalar.MakeNullScalar(from.Arrow()))
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range types {
			if Cast(from, to) == NoCast {
				continue
			}
			n++
			if _, err := exec.NewCast(in, to.Arrow()); err != nil && from.Kind != to.Kind {
				t.Errorf("cast %s -> %s is declared (context %d) but has no kernel: %v", from, to, Cast(from, to), err)
			}
		}
	}
	if Cast(catalog.Type{}, catalog.Interval) != Implicit || Cast(catalog.Text, catalog.Interval) != Explicit || Cast(catalog.Date, catalog.Bool) != NoCast {
		t.Error("cast contexts")
	}
	t.Logf("%d casts", n)
}
