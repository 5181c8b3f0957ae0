package exec

import (
	"context"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// This file builds arrays directly from buffers: typed views of fixed-width arrays, arrays
// from typed slices, and gather (take by row indices, -1 meaning NULL) used by join and sort.

// fixedValues views the values of a fixed-width array (any type whose values are width of T).
func fixedValues[T any](arr arrow.Array) []T {
	d := arr.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil || d.Len() == 0 {
		return nil
	}
	var zero T
	b := bufs[1].Bytes()
	all := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/int(unsafe.Sizeof(zero)))
	return all[d.Offset() : d.Offset()+d.Len()]
}

func asBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

func newBuf(mem memory.Allocator, n int) *memory.Buffer {
	b := memory.NewResizableBuffer(mem)
	b.Resize(n)
	return b
}

// validityFrom builds a bitmap from a byte-per-row validity (nil: all valid).
func validityFrom(mem memory.Allocator, valid []uint8) (*memory.Buffer, int) {
	if valid == nil {
		return nil, 0
	}
	buf := newBuf(mem, int(bitutil.BytesForBits(int64(len(valid)))))
	bm := buf.Bytes()
	clear(bm)
	nulls := 0
	for i, v := range valid {
		if v != 0 {
			bitutil.SetBit(bm, i)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// buildFixed builds an array of type dt whose value buffer is vals' bytes.
func buildFixed[T any](mem memory.Allocator, dt arrow.DataType, vals []T, valid []uint8) arrow.Array {
	vb := newBuf(mem, len(asBytes(vals)))
	copy(vb.Bytes(), asBytes(vals))
	nb, nulls := validityFrom(mem, valid)
	data := array.NewData(dt, len(vals), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	vb.Release()
	if nb != nil {
		nb.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}

func buildBools(mem memory.Allocator, vals []uint8, valid []uint8) arrow.Array {
	vb := newBuf(mem, int(bitutil.BytesForBits(int64(len(vals)))))
	bm := vb.Bytes()
	clear(bm)
	for i, v := range vals {
		if v != 0 {
			bitutil.SetBit(bm, i)
		}
	}
	nb, nulls := validityFrom(mem, valid)
	data := array.NewData(arrow.FixedWidthTypes.Boolean, len(vals), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	vb.Release()
	if nb != nil {
		nb.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// buildStrings builds a string or binary array from absolute offsets into data.
func buildStrings(mem memory.Allocator, dt arrow.DataType, offs []int64, data []byte, valid []uint8) arrow.Array {
	n := len(offs) - 1
	ob := newBuf(mem, 4*(n+1))
	o := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(ob.Bytes()))), n+1)
	base := offs[0]
	for i, x := range offs {
		o[i] = int32(x - base)
	}
	db := newBuf(mem, int(offs[n]-base))
	copy(db.Bytes(), data[base:offs[n]])
	nb, nulls := validityFrom(mem, valid)
	d := array.NewData(dt, n, []*memory.Buffer{nb, ob, db}, nil, nulls, 0)
	ob.Release()
	db.Release()
	if nb != nil {
		nb.Release()
	}
	defer d.Release()
	return array.MakeFromData(d)
}

// gatherArray returns arr's rows at idx (idx < 0: NULL) as a new array.
func gatherArray(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	n := len(idx)
	// validity
	src := nullBitmap(arr)
	off := arr.Data().Offset()
	var nb *memory.Buffer
	nulls := 0
	{
		anyNeg := false
		for _, i := range idx {
			if i < 0 {
				anyNeg = true
				break
			}
		}
		if src != nil || anyNeg {
			nb = newBuf(mem, int(bitutil.BytesForBits(int64(n))))
			bm := nb.Bytes()
			clear(bm)
			for k, i := range idx {
				if i >= 0 && (src == nil || bitutil.BitIsSet(src, off+int(i))) {
					bitutil.SetBit(bm, k)
				} else {
					nulls++
				}
			}
			if nulls == 0 {
				nb.Release()
				nb = nil
			}
		}
	}
	release := func(bufs ...*memory.Buffer) {
		for _, b := range bufs {
			if b != nil {
				b.Release()
			}
		}
	}
	mk := func(bufs []*memory.Buffer) arrow.Array {
		d := array.NewData(arr.DataType(), n, bufs, nil, nulls, 0)
		release(bufs...)
		defer d.Release()
		return array.MakeFromData(d)
	}
	switch a := arr.(type) {
	case *array.Boolean:
		vb := newBuf(mem, int(bitutil.BytesForBits(int64(n))))
		bm := vb.Bytes()
		clear(bm)
		for k, i := range idx {
			if i >= 0 && a.Value(int(i)) {
				bitutil.SetBit(bm, k)
			}
		}
		return mk([]*memory.Buffer{nb, vb}), nil
	case *array.String:
		ob, db := gatherBytes(mem, a.ValueOffsets(), a.ValueBytes(), idx)
		return mk([]*memory.Buffer{nb, ob, db}), nil
	case *array.Binary:
		ob, db := gatherBytes(mem, a.ValueOffsets(), a.ValueBytes(), idx)
		return mk([]*memory.Buffer{nb, ob, db}), nil
	}
	if fw, ok := arr.DataType().(arrow.FixedWidthDataType); ok && arr.DataType().ID() != arrow.BOOL && len(arr.Data().Buffers()) == 2 {
		switch fw.BitWidth() {
		case 8:
			return mk([]*memory.Buffer{nb, gatherFixed[uint8](mem, arr, idx)}), nil
		case 16:
			return mk([]*memory.Buffer{nb, gatherFixed[uint16](mem, arr, idx)}), nil
		case 32:
			return mk([]*memory.Buffer{nb, gatherFixed[uint32](mem, arr, idx)}), nil
		case 64:
			return mk([]*memory.Buffer{nb, gatherFixed[uint64](mem, arr, idx)}), nil
		case 128:
			return mk([]*memory.Buffer{nb, gatherFixed[decimal128.Num](mem, arr, idx)}), nil
		}
	}
	release(nb)
	// Other types: arrow's take kernel, with NULL indices for -1.
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.Reserve(n)
	for _, i := range idx {
		if i < 0 {
			ib.AppendNull()
		} else {
			ib.UnsafeAppend(i)
		}
	}
	ia := ib.NewInt32Array()
	defer ia.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	return compute.TakeArray(ctx, arr, ia)
}

func gatherFixed[T any](mem memory.Allocator, arr arrow.Array, idx []int32) *memory.Buffer {
	var zero T
	vals := fixedValues[T](arr)
	vb := newBuf(mem, len(idx)*int(unsafe.Sizeof(zero)))
	out := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(vb.Bytes()))), len(idx))
	for k, i := range idx {
		if i >= 0 {
			out[k] = vals[i]
		} else {
			out[k] = zero
		}
	}
	return vb
}

func gatherBytes(mem memory.Allocator, offs []int32, data []byte, idx []int32) (*memory.Buffer, *memory.Buffer) {
	base := int32(0)
	if len(offs) > 0 {
		base = offs[0]
	}
	total := 0
	for _, i := range idx {
		if i >= 0 {
			total += int(offs[i+1] - offs[i])
		}
	}
	ob := newBuf(mem, 4*(len(idx)+1))
	o := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(ob.Bytes()))), len(idx)+1)
	db := newBuf(mem, total)
	d := db.Bytes()
	pos := int32(0)
	o[0] = 0
	for k, i := range idx {
		if i >= 0 {
			pos += int32(copy(d[pos:], data[offs[i]-base:offs[i+1]-base]))
		}
		o[k+1] = pos
	}
	return ob, db
}

// gatherRecord gathers every column of rec at idx.
func gatherColumns(mem memory.Allocator, cols []arrow.Array, idx []int32, out []arrow.Array) ([]arrow.Array, error) {
	for _, c := range cols {
		a, err := gatherArray(mem, c, idx)
		if err != nil {
			for _, o := range out {
				o.Release()
			}
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}
