package exec

import (
	"encoding/binary"
	"hash/maphash"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// listKey holds array (list) group and join keys. Each row is encoded to bytes that are
// equal exactly when PostgreSQL's array equality holds (NULL elements equal each other,
// -0 = 0, one NaN, intervals by their 30-day span); the stored keys keep the encoding for
// comparisons and a reference to their source row, from which build gathers the lists.
type listKeyCol struct {
	dt    arrow.DataType
	seed  maphash.Seed
	enc   [][]byte // per group; nil: a NULL key
	srcs  []arrow.Array
	refs  [][2]int32 // per group: source, row
	cur   arrow.Array
	curE  [][]byte
	curIx int32
}

func newListKey(_ memory.Allocator, dt arrow.DataType, seed maphash.Seed) keyCol {
	return &listKeyCol{dt: dt, seed: seed, curIx: -1}
}

func (k *listKeyCol) bind(arr arrow.Array) {
	k.cur = arr
	k.curIx = -1
	get := elemGetter(arr)
	k.curE = k.curE[:0]
	for i := 0; i < arr.Len(); i++ {
		v := get(i)
		if v == nil {
			k.curE = append(k.curE, nil)
			continue
		}
		k.curE = append(k.curE, encodeKey(append(make([]byte, 0, 16), 1), v))
	}
}

// encodeKey appends a canonical encoding of a non-NULL element value.
func encodeKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(x))
	case float64:
		if x == 0 {
			x = 0
		}
		if math.IsNaN(x) {
			x = math.NaN()
		}
		return binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(x))
	case string:
		b = binary.LittleEndian.AppendUint32(append(b, 's'), uint32(len(x)))
		return append(b, x...)
	case bool:
		if x {
			return append(b, 'b', 1)
		}
		return append(b, 'b', 0)
	case decimal128.Num:
		b = binary.LittleEndian.AppendUint64(append(b, 'd'), x.LowBits())
		return binary.LittleEndian.AppendUint64(b, uint64(x.HighBits()))
	case arrow.MonthDayNanoInterval:
		d, ns := intervalSpan(x)
		b = binary.LittleEndian.AppendUint64(append(b, 'v'), uint64(d))
		return binary.LittleEndian.AppendUint64(b, uint64(ns))
	case listKey:
		b = binary.LittleEndian.AppendUint32(append(b, '['), uint32(len(x.elems)))
		for _, e := range x.elems {
			if e == nil {
				b = append(b, 'n')
				continue
			}
			b = encodeKey(b, e)
		}
		return b
	}
	return b
}

func (k *listKeyCol) hash(h []uint64, first bool) {
	for i, e := range k.curE {
		x := uint64(hashNullValue)
		if e != nil {
			x = maphash.Bytes(k.seed, e)
		}
		h[i] = foldHash(h[i], x, first)
	}
}

func (k *listKeyCol) eq(rows, gids []int32, ok []bool) {
	for i, r := range rows {
		a, b := k.curE[r], k.enc[gids[i]]
		if (a == nil) != (b == nil) || string(a) != string(b) {
			ok[i] = false
		}
	}
}

func (k *listKeyCol) appendRows(rows []int32) {
	if len(rows) == 0 {
		return
	}
	if k.curIx < 0 {
		k.cur.Retain()
		k.srcs = append(k.srcs, k.cur)
		k.curIx = int32(len(k.srcs) - 1)
	}
	for _, r := range rows {
		k.enc = append(k.enc, k.curE[r])
		k.refs = append(k.refs, [2]int32{k.curIx, r})
	}
}

func (k *listKeyCol) build(mem memory.Allocator, from, to int) arrow.Array {
	if to <= from || len(k.srcs) == 0 {
		return array.MakeArrayOfNull(mem, k.dt, 0)
	}
	pool, base, err := concatPool(mem, k.srcs)
	if err != nil {
		return array.MakeArrayOfNull(mem, k.dt, to-from)
	}
	defer pool.Release()
	idx := make([]int32, 0, to-from)
	for _, r := range k.refs[from:to] {
		idx = append(idx, base[r[0]]+r[1])
	}
	out, err := gatherArray(mem, pool, idx)
	if err != nil {
		return array.MakeArrayOfNull(mem, k.dt, to-from)
	}
	return out
}

func (k *listKeyCol) release() {
	releaseArrays(k.srcs)
	k.srcs, k.refs, k.enc, k.cur, k.curE = nil, nil, nil, nil, nil
}
