package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Boolean logic works on whole bitmaps, a byte at a time.

// boolPlanes returns the value and validity bitmaps of a boolean operand as offset-0 bitmaps
// of n bits (scratch memory, not from the allocator).
func boolPlanes(o operand, n int) (value, valid []byte) {
	nb := int(bitutil.BytesForBits(int64(n)))
	value = make([]byte, nb)
	valid = make([]byte, nb)
	if o.scalar || o.arr.DataType().ID() == arrow.NULL {
		if o.arr.IsValid(0) && o.arr.DataType().ID() == arrow.BOOL {
			fill(valid, 0xff)
			bits, off := boolBits(o.arr)
			if bitutil.BitIsSet(bits, off) {
				fill(value, 0xff)
			}
		}
		return
	}
	bits, off := boolBits(o.arr)
	bitutil.CopyBitmap(bits, off, n, value, 0)
	if o.arr.NullN() == 0 {
		fill(valid, 0xff)
	} else {
		bitutil.CopyBitmap(o.arr.NullBitmapBytes(), off, n, valid, 0)
	}
	return
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// kleeneKernel: variadic AND (isAnd) or OR with three-valued logic.
func kleeneKernel(isAnd bool) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		nb := int(bitutil.BytesForBits(int64(n)))
		dom := make([]byte, nb)    // some operand is valid and equal to the dominant value
		allNon := make([]byte, nb) // every operand is valid and not the dominant value
		fill(allNon, 0xff)
		for _, o := range ops {
			value, valid := boolPlanes(o, n)
			for i := 0; i < nb; i++ {
				v := value[i]
				if isAnd {
					v = ^v // dominant value of AND is FALSE
				}
				dom[i] |= valid[i] & v
				allNon[i] &= valid[i] &^ v
			}
		}
		values := newBitmap(mem, n)
		validity := newBitmap(mem, n)
		vb, lb := values.Bytes(), validity.Bytes()
		for i := 0; i < nb; i++ {
			lb[i] = dom[i] | allNon[i]
			if isAnd {
				vb[i] = allNon[i]
			} else {
				vb[i] = dom[i]
			}
		}
		return finishBool(n, validity, values), nil
	}
}

// finishBool trims padding bits and drops an all-valid bitmap.
func finishBool(n int, validity, values *memory.Buffer) arrow.Array {
	if n%8 != 0 && n > 0 {
		last := len(values.Bytes()) - 1
		mask := byte(1<<(n%8)) - 1
		values.Bytes()[last] &= mask
		validity.Bytes()[last] &= mask
	}
	nulls := n - bitutil.CountSetBits(validity.Bytes(), 0, n)
	if nulls == 0 {
		validity.Release()
		validity = nil
	}
	return makeBool(n, validity, values, nulls)
}

func notKernel(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
	value, valid := boolPlanes(ops[0], n)
	values := newBitmap(mem, n)
	validity := newBitmap(mem, n)
	vb, lb := values.Bytes(), validity.Bytes()
	for i := range vb {
		vb[i] = ^value[i] & valid[i]
		lb[i] = valid[i]
	}
	return finishBool(n, validity, values), nil
}

// InList is `value IN (options...)` with SQL semantics: TRUE if some option equals value,
// else NULL if value or some option is NULL, else FALSE.
type InList struct {
	value   Expr
	options []Expr
	loops   []cmpLoop
	set     *inSet // constant options: one hash probe per row (expr_inset.go)
}

// NewInList builds value IN (options). Options must have value's type (decimals: any scale).
func NewInList(value Expr, options []Expr) (*InList, error) {
	if len(options) == 0 {
		return nil, invalidf("IN list needs at least one option")
	}
	in := &InList{value: value, options: options}
	for _, o := range options {
		l, err := cmpLoopFor(cmpEq, value.Type(), o.Type())
		if err != nil {
			return nil, err
		}
		in.loops = append(in.loops, l)
	}
	in.set = newInSet(value.Type(), options)
	return in, nil
}

func (in *InList) Type() arrow.DataType { return arrow.FixedWidthTypes.Boolean }

func (in *InList) String() string {
	parts := make([]string, len(in.options))
	for i, o := range in.options {
		parts[i] = o.String()
	}
	return fmt.Sprintf("%s IN (%s)", in.value, strings.Join(parts, ", "))
}

func (in *InList) Eval(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	n := int(b.NumRows())
	v, err := evalOperand(ctx, in.value, b, mem)
	if err != nil {
		return nil, err
	}
	defer v.release()
	if in.set != nil {
		return in.set.eval(v, n, mem)
	}
	nb := int(bitutil.BytesForBits(int64(n)))
	anyTrue := make([]byte, nb)
	anyNull := make([]byte, nb)
	eq := make([]byte, nb)
	vValue, vValid := boolPlanesValidity(v, n)
	_ = vValue
	for i := range anyNull {
		anyNull[i] = ^vValid[i]
	}
	for k, oe := range in.options {
		o, err := evalOperand(ctx, oe, b, mem)
		if err != nil {
			return nil, err
		}
		_, oValid := boolPlanesValidity(o, n)
		if !o.allNull() && !v.allNull() {
			fill(eq, 0)
			in.loops[k](v, o, n, eq)
			for i := 0; i < nb; i++ {
				anyTrue[i] |= eq[i] & oValid[i] & vValid[i]
			}
		}
		for i := 0; i < nb; i++ {
			anyNull[i] |= ^oValid[i]
		}
		o.release()
	}
	values := newBitmap(mem, n)
	validity := newBitmap(mem, n)
	vb, lb := values.Bytes(), validity.Bytes()
	for i := 0; i < nb; i++ {
		vb[i] = anyTrue[i]
		lb[i] = anyTrue[i] | ^anyNull[i]
	}
	return finishBool(n, validity, values), nil
}

// boolPlanesValidity returns an offset-0 validity bitmap of any operand (scratch memory).
func boolPlanesValidity(o operand, n int) (_ []byte, valid []byte) {
	nb := int(bitutil.BytesForBits(int64(n)))
	valid = make([]byte, nb)
	switch {
	case o.scalar:
		if o.arr.IsValid(0) {
			fill(valid, 0xff)
		}
	case o.arr.NullN() == 0:
		fill(valid, 0xff)
	case o.arr.NullBitmapBytes() == nil:
	default:
		bitutil.CopyBitmap(o.arr.NullBitmapBytes(), o.arr.Data().Offset(), n, valid, 0)
	}
	return nil, valid
}
