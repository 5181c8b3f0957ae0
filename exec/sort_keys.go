package exec

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// Sorting computes a permutation of row indices: rows are split on the first key's NULLs,
// the non-NULL rows are radix-sorted on a 64-bit normalized form of the first key (exact for
// fixed-width types, a prefix for strings and decimals), then runs of equal normalized keys
// are refined with typed comparators over the remaining keys. Ties fall back to the row
// index, so the result is stable.

type sortPair struct {
	k uint64
	i int32
}

func sortKeyOK(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION,
		arrow.DECIMAL128, arrow.STRING, arrow.BINARY, arrow.INTERVAL_MONTH_DAY_NANO, arrow.LIST:
		return true
	}
	return false
}

func floatKey(f float64) uint64 {
	if f != f {
		return math.MaxUint64
	}
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func normInts[T int8 | int16 | int32 | int64](vals []T, rows []int32, out []sortPair) {
	for k, r := range rows {
		out[k] = sortPair{uint64(int64(vals[r])) ^ 1<<63, r}
	}
}

// normalize writes the normalized first key of rows into out; exact reports whether equal
// normalized keys mean equal values.
func normalize(arr arrow.Array, rows []int32, out []sortPair) (exact bool) {
	switch a := arr.(type) {
	case *array.Boolean:
		for k, r := range rows {
			var v uint64
			if a.Value(int(r)) {
				v = 1
			}
			out[k] = sortPair{v, r}
		}
		return true
	case *array.Float32:
		vals := a.Float32Values()
		for k, r := range rows {
			out[k] = sortPair{floatKey(float64(vals[r])), r}
		}
		return true
	case *array.Float64:
		vals := a.Float64Values()
		for k, r := range rows {
			out[k] = sortPair{floatKey(vals[r]), r}
		}
		return true
	case *array.Decimal128:
		vals := a.Values()
		for k, r := range rows {
			out[k] = sortPair{uint64(vals[r].HighBits()) ^ 1<<63, r}
		}
		return false
	case *array.MonthDayNanoInterval:
		vals := a.MonthDayNanoIntervalValues()
		for k, r := range rows {
			d, _ := intervalSpan(vals[r])
			out[k] = sortPair{uint64(d) ^ 1<<63, r}
		}
		return false
	case *array.String:
		strPrefixes(a.ValueOffsets(), a.ValueBytes(), rows, out)
		return false
	case *array.Binary:
		strPrefixes(a.ValueOffsets(), a.ValueBytes(), rows, out)
		return false
	case *array.List:
		for k, r := range rows {
			out[k] = sortPair{0, r} // arrays compare with cmpLists (valueCmp)
		}
		return false
	}
	switch arr.DataType().ID() {
	case arrow.INT8:
		normInts(fixedValues[int8](arr), rows, out)
	case arrow.INT16:
		normInts(fixedValues[int16](arr), rows, out)
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		normInts(fixedValues[int32](arr), rows, out)
	default:
		normInts(fixedValues[int64](arr), rows, out)
	}
	return true
}

func strPrefixes(offs []int32, data []byte, rows []int32, out []sortPair) {
	base := offs[0]
	var buf [8]byte
	for k, r := range rows {
		s := data[offs[r]-base : offs[r+1]-base]
		var v uint64
		if len(s) >= 8 {
			v = binary.BigEndian.Uint64(s)
		} else {
			buf = [8]byte{}
			copy(buf[:], s)
			v = binary.BigEndian.Uint64(buf[:])
		}
		out[k] = sortPair{v, r}
	}
}

// radixSort sorts a by k (stably), using tmp as scratch; it returns the sorted slice.
func radixSort(a, tmp []sortPair) []sortPair {
	var counts [8][256]int
	for _, p := range a {
		k := p.k
		for d := 0; d < 8; d++ {
			counts[d][byte(k>>(8*d))]++
		}
	}
	n := len(a)
	for d := 0; d < 8; d++ {
		c := &counts[d]
		if c[byte(a[0].k>>(8*d))] == n {
			continue // every key has the same digit
		}
		pos := 0
		for i := range c {
			x := c[i]
			c[i] = pos
			pos += x
		}
		shift := uint(8 * d)
		for _, p := range a {
			b := byte(p.k >> shift)
			tmp[c[b]] = p
			c[b]++
		}
		a, tmp = tmp, a
	}
	return a
}

type rowCmp func(a, b int32) int

func cmpInts[T int8 | int16 | int32 | int64](vals []T) rowCmp {
	return func(a, b int32) int {
		x, y := vals[a], vals[b]
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	}
}

func cmpFloats[T float32 | float64](vals []T) rowCmp {
	return func(a, b int32) int {
		x, y := floatKey(float64(vals[a])), floatKey(float64(vals[b]))
		if x < y {
			return -1
		}
		if x > y {
			return 1
		}
		return 0
	}
}

func cmpBytes(offs []int32, data []byte) rowCmp {
	base := offs[0]
	return func(a, b int32) int {
		return bytes.Compare(data[offs[a]-base:offs[a+1]-base], data[offs[b]-base:offs[b+1]-base])
	}
}

// valueCmp compares two non-NULL rows of arr in ascending order.
func valueCmp(arr arrow.Array) rowCmp {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(x, y int32) int {
			vx, vy := a.Value(int(x)), a.Value(int(y))
			switch {
			case vx == vy:
				return 0
			case vy:
				return -1
			}
			return 1
		}
	case *array.Float32:
		return cmpFloats(a.Float32Values())
	case *array.Float64:
		return cmpFloats(a.Float64Values())
	case *array.Decimal128:
		vals := a.Values()
		return func(x, y int32) int { return vals[x].Cmp(vals[y]) }
	case *array.MonthDayNanoInterval:
		vals := a.MonthDayNanoIntervalValues()
		return func(x, y int32) int { return intervalCmp(vals[x], vals[y]) }
	case *array.String:
		return cmpBytes(a.ValueOffsets(), a.ValueBytes())
	case *array.Binary:
		return cmpBytes(a.ValueOffsets(), a.ValueBytes())
	case *array.List:
		get := elemGetter(a)
		return func(x, y int32) int { return cmpElem(get(int(x)), get(int(y))) }
	}
	switch arr.DataType().ID() {
	case arrow.INT8:
		return cmpInts(fixedValues[int8](arr))
	case arrow.INT16:
		return cmpInts(fixedValues[int16](arr))
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		return cmpInts(fixedValues[int32](arr))
	}
	return cmpInts(fixedValues[int64](arr))
}

// keyCmp compares two rows on one sort key, NULLs placed as the key says.
func keyCmp(arr arrow.Array, k SortKey) rowCmp {
	base := valueCmp(arr)
	nb, off := nullBitmap(arr), arr.Data().Offset()
	desc := k.Desc
	nullLow := -1
	if !k.NullsFirst {
		nullLow = 1
	}
	return func(a, b int32) int {
		if nb != nil {
			va, vb := validBit(nb, off, int(a)), validBit(nb, off, int(b))
			if !va || !vb {
				switch {
				case va == vb:
					return 0
				case !va:
					return nullLow
				}
				return -nullLow
			}
		}
		c := base(a, b)
		if desc {
			return -c
		}
		return c
	}
}

// sortPermutation returns the sorted order of rows 0..n-1 of cols by keys, in a vec from mem.
func sortPermutation(mem memory.Allocator, cols []arrow.Array, keys []SortKey, n int) (vec[int32], error) {
	perm := newVec[int32](mem)
	perm.resize(n)
	if n == 0 {
		return perm, nil
	}
	if n >= math.MaxInt32 {
		perm.release()
		return perm, errs.Errorf(errs.ErrResourceExhausted, "sort of %d rows", n)
	}
	first := cols[keys[0].Col]
	nb, off := nullBitmap(first), first.Data().Offset()
	var valid, nulls []int32
	p := perm.s
	if nb == nil {
		valid = p
		for i := range p {
			p[i] = int32(i)
		}
	} else {
		// valid rows at the front, NULL rows after them, both in input order
		nv := 0
		for i := 0; i < n; i++ {
			if validBit(nb, off, i) {
				p[nv] = int32(i)
				nv++
			}
		}
		k := nv
		for i := 0; i < n; i++ {
			if !validBit(nb, off, i) {
				p[k] = int32(i)
				k++
			}
		}
		valid, nulls = p[:nv], p[nv:]
	}
	rest := make([]rowCmp, 0, len(keys))
	for _, k := range keys[1:] {
		rest = append(rest, keyCmp(cols[k.Col], k))
	}
	refine := func(run []int32, cmps []rowCmp) {
		slices.SortFunc(run, func(a, b int32) int {
			for _, c := range cmps {
				if r := c(a, b); r != 0 {
					return r
				}
			}
			return int(a - b)
		})
	}
	if len(valid) > 1 {
		pairs := newVec[sortPair](mem)
		tmp := newVec[sortPair](mem)
		pairs.resize(len(valid))
		tmp.resize(len(valid))
		exact := normalize(first, valid, pairs.s)
		if keys[0].Desc {
			for i := range pairs.s {
				pairs.s[i].k = ^pairs.s[i].k
			}
		}
		sp := radixSort(pairs.s, tmp.s)
		for i, pr := range sp {
			valid[i] = pr.i
		}
		var cmps []rowCmp
		if !exact {
			cmps = append(cmps, keyCmp(first, keys[0]))
		}
		cmps = append(cmps, rest...)
		if len(cmps) > 0 {
			for i := 0; i < len(sp); {
				j := i + 1
				for j < len(sp) && sp[j].k == sp[i].k {
					j++
				}
				if j-i > 1 {
					refine(valid[i:j], cmps)
				}
				i = j
			}
		}
		pairs.release()
		tmp.release()
	}
	if len(nulls) > 1 && len(rest) > 0 {
		refine(nulls, rest)
	}
	if len(nulls) > 0 && keys[0].NullsFirst {
		out := newVec[int32](mem)
		out.resize(n)
		copy(out.s, nulls)
		copy(out.s[len(nulls):], valid)
		perm.release()
		perm = out
	}
	return perm, nil
}
