package exec

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// vec is a growable slice of pointer-free values whose memory comes from an arrow allocator,
// so that hash tables, aggregate states and permutations count against the query's budget.
// The zero value with mem set is empty; release returns the memory.
type vec[T any] struct {
	mem memory.Allocator
	buf *memory.Buffer
	s   []T
}

func newVec[T any](mem memory.Allocator) vec[T] { return vec[T]{mem: mem} }

// reserve makes room for n elements, keeping the current ones.
func (v *vec[T]) reserve(n int) {
	if n <= cap(v.s) {
		return
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	c := 2 * cap(v.s)
	if c < n {
		c = n
	}
	if c < 16 {
		c = 16
	}
	if v.buf == nil {
		v.buf = memory.NewResizableBuffer(v.mem)
	}
	l := len(v.s)
	v.buf.Reserve(c * size)
	b := v.buf.Buf()
	v.s = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)[:l]
}

// resize sets the length to n; new elements are zero.
func (v *vec[T]) resize(n int) {
	v.reserve(n)
	l := len(v.s)
	v.s = v.s[:n]
	if n > l {
		clear(v.s[l:n])
	}
}

func (v *vec[T]) push(x T) {
	if len(v.s) == cap(v.s) {
		v.reserve(len(v.s) + 1)
	}
	v.s = append(v.s, x)
}

func (v *vec[T]) release() {
	if v.buf != nil {
		v.buf.Release()
		v.buf = nil
	}
	v.s = nil
}
