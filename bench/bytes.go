package main

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// logicalBytes is the size of a batch's values as Arrow lays them out (fixed-width values,
// string offsets and bytes, validity bitmaps), independent of how buffers are shared or
// sliced, so throughputs of different readers compare.
func logicalBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += arrayBytes(c)
	}
	return n
}

func arrayBytes(a arrow.Array) int64 {
	rows := int64(a.Len())
	var n int64
	if a.NullN() > 0 {
		n += (rows + 7) / 8
	}
	switch a := a.(type) {
	case *array.String:
		if o := a.ValueOffsets(); len(o) > 0 {
			n += 4*int64(len(o)) + int64(o[len(o)-1]-o[0])
		}
		return n
	case *array.LargeString:
		if o := a.ValueOffsets(); len(o) > 0 {
			n += 8*int64(len(o)) + o[len(o)-1] - o[0]
		}
		return n
	case *array.Binary:
		if o := a.ValueOffsets(); len(o) > 0 {
			n += 4*int64(len(o)) + int64(o[len(o)-1]-o[0])
		}
		return n
	case *array.Dictionary:
		return n + arrayBytes(a.Indices()) + arrayBytes(a.Dictionary())
	}
	if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
		bits := int64(fw.BitWidth())
		return n + (rows*bits+7)/8
	}
	for _, b := range a.Data().Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	return n
}
