package exec

import (
	"math"
	"math/rand"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// TestDecLinearMatchesApply checks the int64 fast path against decArith.apply on random
// operands of every size, scales and result precisions.
func TestDecLinearMatchesApply(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	val := func() decimal128.Num {
		switch rng.Intn(5) {
		case 0:
			return decimal128.FromI64(rng.Int63n(1000) - 500)
		case 1:
			return decimal128.FromI64(rng.Int63() - math.MaxInt64/2)
		case 2:
			return decimal128.FromI64(math.MaxInt64 - rng.Int63n(3))
		case 3:
			return decimal128.FromI64(-math.MaxInt64 + rng.Int63n(3))
		}
		return decimal128.New(rng.Int63n(4)-2, rng.Uint64())
	}
	checked := 0
	for _, op := range []byte{'+', '-', '*'} {
		for k := 0; k < 2000; k++ {
			s1, s2 := int32(rng.Intn(12)), int32(rng.Intn(12))
			s := int32(rng.Intn(30))
			p := max(s, int32(rng.Intn(39)))
			d := newDecArith(op, s1, s2, p, s)
			lin := d.linear()
			if !lin.ok {
				continue
			}
			for j := 0; j < 50; j++ {
				a, b := val(), val()
				r, ok := lin.apply(a, b)
				if !ok {
					continue
				}
				checked++
				want, err := d.apply(a, b)
				if fits := fitsI64(r, p); !fits {
					if err == nil {
						t.Fatalf("%d%c%d (s%d,%d -> %d,%d): fast %d overflows, apply gave %v", a, op, b, s1, s2, p, s, r, want)
					}
					continue
				}
				if err != nil || want != decimal128.FromI64(r) {
					t.Fatalf("%v%c%v (s%d,%d -> %d,%d): fast %d, apply %v %v", a.BigInt(), op, b.BigInt(), s1, s2, p, s, r, want.BigInt(), err)
				}
			}
		}
	}
	if checked < 3000 {
		t.Fatalf("only %d fast-path cases checked", checked)
	}
}
