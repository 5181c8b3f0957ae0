package exec

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/proto/errs"
)

// Expr is a physical, vectorized scalar expression evaluated over a whole batch.
//
// Eval returns an array of b.NumRows() values of type Type(); the caller releases it. Errors
// (overflow, division by zero, bad input to a cast) wrap errs.ErrInvalidArgument with
// PostgreSQL's message. Expressions are immutable and safe to share between goroutines.
type Expr interface {
	Type() arrow.DataType
	Eval(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error)
	String() string
}

// ---------------------------------------------------------------------------------------
// Column reference

// ColumnRef is input column Index.
type ColumnRef struct {
	Index int
	typ   arrow.DataType
}

// NewColumnRef references column idx of the input, whose type is typ.
func NewColumnRef(idx int, typ arrow.DataType) *ColumnRef { return &ColumnRef{Index: idx, typ: typ} }

func (c *ColumnRef) Type() arrow.DataType { return c.typ }
func (c *ColumnRef) String() string       { return fmt.Sprintf("$%d", c.Index) }

func (c *ColumnRef) Eval(_ context.Context, b arrow.RecordBatch, _ memory.Allocator) (arrow.Array, error) {
	if c.Index < 0 || c.Index >= int(b.NumCols()) {
		return nil, errs.Errorf(errs.ErrInternal, "column %d out of range (batch has %d)", c.Index, b.NumCols())
	}
	col := b.Column(c.Index)
	col.Retain()
	return col, nil
}

// ---------------------------------------------------------------------------------------
// Literal

// Literal is a constant, broadcast to the batch length when evaluated. Kernels read its
// single value directly instead of a broadcast array.
type Literal struct {
	typ arrow.DataType
	one arrow.Array // length 1, Go-allocated; never released (garbage collected)
}

// NewLiteral returns a literal of s's type. A NULL literal of type dt: scalar.MakeNullScalar(dt).
func NewLiteral(s scalar.Scalar) (*Literal, error) {
	one, err := scalar.MakeArrayFromScalar(s, 1, memory.DefaultAllocator)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "literal of type %s: %v", s.DataType(), err)
	}
	return &Literal{typ: s.DataType(), one: one}, nil
}

// NewLiteralArray makes a literal from the first value of a length-1 array (retained).
func NewLiteralArray(one arrow.Array) *Literal {
	one.Retain()
	return &Literal{typ: one.DataType(), one: one}
}

func (l *Literal) Type() arrow.DataType { return l.typ }
func (l *Literal) IsNull() bool         { return l.one.IsNull(0) }
func (l *Literal) String() string {
	if l.one.IsNull(0) {
		return "NULL"
	}
	return l.one.ValueStr(0)
}

// Value returns the length-1 array holding the literal (not retained for the caller).
func (l *Literal) Value() arrow.Array { return l.one }

func (l *Literal) Eval(_ context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	return broadcast(l.one, int(b.NumRows()), mem)
}

// broadcast repeats one[0] n times.
func broadcast(one arrow.Array, n int, mem memory.Allocator) (arrow.Array, error) {
	if one.IsNull(0) {
		return array.MakeArrayOfNull(mem, one.DataType(), n), nil
	}
	s, err := scalar.GetScalar(one, 0)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "broadcast: %v", err)
	}
	a, err := scalar.MakeArrayFromScalar(s, n, mem)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "broadcast: %v", err)
	}
	return a, nil
}

// ---------------------------------------------------------------------------------------
// Operands: arrays or literal scalars, read without per-row interface calls.

// operand is an evaluated argument: either a full-length array or a length-1 literal
// (scalar true). Kernels index values with i*stride (stride 0 for scalars).
type operand struct {
	arr    arrow.Array
	scalar bool
}

func (o operand) stride() int {
	if o.scalar {
		return 0
	}
	return 1
}

// allNull reports a NULL literal (every row NULL).
func (o operand) allNull() bool { return o.scalar && o.arr.IsNull(0) }

// hasNulls reports whether some rows may be NULL.
func (o operand) hasNulls() bool { return o.arr.NullN() > 0 }

// valid reports whether row i is non-NULL.
func (o operand) valid(i int) bool {
	if o.scalar {
		return o.arr.IsValid(0)
	}
	return o.arr.IsValid(i)
}

func (o operand) release() {
	if o.arr != nil {
		o.arr.Release()
	}
}

// evalOperand evaluates e; literals come back as length-1 scalars (retained).
func evalOperand(ctx context.Context, e Expr, b arrow.RecordBatch, mem memory.Allocator) (operand, error) {
	if l, ok := e.(*Literal); ok {
		l.one.Retain()
		return operand{arr: l.one, scalar: true}, nil
	}
	a, err := e.Eval(ctx, b, mem)
	if err != nil {
		return operand{}, err
	}
	return operand{arr: a}, nil
}

func evalOperands(ctx context.Context, es []Expr, b arrow.RecordBatch, mem memory.Allocator) ([]operand, error) {
	ops := make([]operand, 0, len(es))
	for _, e := range es {
		o, err := evalOperand(ctx, e, b, mem)
		if err != nil {
			releaseOperands(ops)
			return nil, err
		}
		ops = append(ops, o)
	}
	return ops, nil
}

func releaseOperands(ops []operand) {
	for _, o := range ops {
		o.release()
	}
}

// ---------------------------------------------------------------------------------------
// Raw buffer helpers

// vals reinterprets the values buffer (buffer 1) of a fixed-width array as []T, offset applied.
func vals[T any](a arrow.Array) []T {
	d := a.Data()
	buf := d.Buffers()[1]
	if buf == nil || buf.Len() == 0 {
		return make([]T, d.Len())
	}
	bs := buf.Bytes()
	var zero T
	sz := int(unsafe.Sizeof(zero))
	all := unsafe.Slice((*T)(unsafe.Pointer(&bs[0])), len(bs)/sz)
	return all[d.Offset() : d.Offset()+d.Len()]
}

// newFixed allocates an output values buffer for n elements of T.
func newFixed[T any](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * sz)
	if n == 0 {
		return buf, nil
	}
	bs := buf.Bytes()
	return buf, unsafe.Slice((*T)(unsafe.Pointer(&bs[0])), n)
}

// newBitmap allocates a zeroed bitmap of n bits.
func newBitmap(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	bs := buf.Bytes()
	for i := range bs {
		bs[i] = 0
	}
	return buf
}

// validityOf returns the combined validity bitmap of ops over n rows (nil: all valid) and the
// NULL count. A NULL scalar makes every row NULL.
func validityOf(mem memory.Allocator, n int, ops ...operand) (*memory.Buffer, int) {
	var out *memory.Buffer
	for _, o := range ops {
		if o.scalar {
			if o.arr.IsNull(0) {
				if out != nil {
					out.Release()
				}
				return newBitmap(mem, n), n
			}
			continue
		}
		if o.arr.NullN() == 0 {
			continue
		}
		bm := o.arr.NullBitmapBytes()
		off := o.arr.Data().Offset()
		if bm == nil { // NULL-typed array: no bitmap, every row NULL
			if out != nil {
				out.Release()
			}
			return newBitmap(mem, n), n
		}
		if out == nil {
			out = newBitmap(mem, n)
			bitutil.CopyBitmap(bm, off, n, out.Bytes(), 0)
		} else {
			bitutil.BitmapAnd(out.Bytes(), bm, 0, int64(off), out.Bytes(), 0, int64(n))
		}
	}
	if out == nil {
		return nil, 0
	}
	return out, n - bitutil.CountSetBits(out.Bytes(), 0, n)
}

// makeFixed wraps a values buffer and validity into an array of type dt. It takes ownership
// of both buffers.
func makeFixed(dt arrow.DataType, n int, validity, values *memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(dt, n, []*memory.Buffer{validity, values}, nil, nulls, 0)
	if validity != nil {
		validity.Release()
	}
	values.Release()
	a := array.MakeFromData(d)
	d.Release()
	return a
}

// makeBool wraps a values bitmap and validity into a boolean array (takes ownership).
func makeBool(n int, validity, values *memory.Buffer, nulls int) arrow.Array {
	return makeFixed(arrow.FixedWidthTypes.Boolean, n, validity, values, nulls)
}

// boolBits returns the values bitmap of a boolean array and its bit offset.
func boolBits(a arrow.Array) ([]byte, int) {
	d := a.Data()
	return d.Buffers()[1].Bytes(), d.Offset()
}

func invalidf(format string, args ...any) error {
	return errs.Errorf(errs.ErrInvalidArgument, format, args...)
}

func notSupportedf(format string, args ...any) error {
	return errs.Errorf(errs.ErrNotSupported, format, args...)
}
