package exec

import (
	"hash/maphash"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// This file holds the vectorized hashing and the group table shared by hash aggregate,
// DISTINCT aggregates and hash join: key columns are hashed a whole array at a time, rows are
// mapped to dense group ids through an open-addressing table, and key equality is checked a
// whole candidate list at a time per column.

const hashNullValue = 0x2545f4914f6cdd1d

func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func hashCombine(h, v uint64) uint64 { return mix64(h*0x9e3779b97f4a7c15 + v) }

type intLike interface {
	~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64
}

// validBit reports whether row i of an array with null bitmap nb (nil: no nulls) at offset
// off is valid.
func validBit(nb []byte, off, i int) bool {
	return nb == nil || bitutil.BitIsSet(nb, off+i)
}

// nullBitmap returns the array's validity bitmap, or nil when it has no nulls.
func nullBitmap(arr arrow.Array) []byte {
	if arr.NullN() == 0 {
		return nil
	}
	return arr.NullBitmapBytes()
}

func hashFixed[T intLike](vals []T, nb []byte, off int, h []uint64, first bool) {
	if nb == nil {
		if first {
			for i, v := range vals {
				h[i] = mix64(uint64(v))
			}
		} else {
			for i, v := range vals {
				h[i] = hashCombine(h[i], uint64(v))
			}
		}
		return
	}
	for i, v := range vals {
		x := uint64(v)
		if !bitutil.BitIsSet(nb, off+i) {
			x = hashNullValue
		}
		h[i] = foldHash(h[i], x, first)
	}
}

// keyKindOK reports whether dt can be a group or join key.
func keyKindOK(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32, arrow.DATE64,
		arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.DURATION, arrow.DECIMAL128,
		arrow.STRING, arrow.BINARY, arrow.INTERVAL_MONTH_DAY_NANO, arrow.LIST:
		return true
	}
	return false
}

// keyCol stores the distinct keys of one key column (one entry per group) and compares or
// hashes the rows of the array currently bound to it.
type keyCol interface {
	bind(arr arrow.Array)
	hash(h []uint64, first bool)
	eq(rows, gids []int32, ok []bool)
	appendRows(rows []int32)
	build(mem memory.Allocator, from, to int) arrow.Array
	release()
}

func newKeyCol(mem memory.Allocator, dt arrow.DataType, seed maphash.Seed) (keyCol, error) {
	switch dt.ID() {
	case arrow.BOOL, arrow.INT8, arrow.UINT8:
		return &fixedKey[uint8]{dt: dt, vals: newVec[uint8](mem), valid: newVec[uint8](mem)}, nil
	case arrow.INT16, arrow.UINT16:
		return &fixedKey[uint16]{dt: dt, vals: newVec[uint16](mem), valid: newVec[uint8](mem)}, nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		return &fixedKey[uint32]{dt: dt, vals: newVec[uint32](mem), valid: newVec[uint8](mem)}, nil
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION:
		return &fixedKey[uint64]{dt: dt, vals: newVec[uint64](mem), valid: newVec[uint8](mem)}, nil
	case arrow.DECIMAL128:
		return &decKey{dt: dt, vals: newVec[decimal128.Num](mem), valid: newVec[uint8](mem)}, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return &intervalKey{dt: dt, vals: newVec[arrow.MonthDayNanoInterval](mem), spans: newVec[ivSpan](mem), valid: newVec[uint8](mem)}, nil
	case arrow.STRING, arrow.BINARY:
		k := &strKey{dt: dt, seed: seed, offs: newVec[int64](mem), data: newVec[byte](mem), valid: newVec[uint8](mem)}
		k.offs.push(0)
		return k, nil
	case arrow.LIST:
		return newListKey(mem, dt, seed), nil // hash_keys_list.go
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "key of type %s", dt)
}

// fixedKey holds keys of a fixed-width type as unsigned integers of the same width. Floats
// are normalized (-0 -> 0, one NaN) so that bitwise equality is SQL equality; booleans are
// unpacked to bytes.
type fixedKey[T intLike] struct {
	dt       arrow.DataType
	vals     vec[T]
	valid    vec[uint8]
	nullSeen bool

	cur     []T
	nb      []byte
	off     int
	scratch []T
}

func (k *fixedKey[T]) bind(arr arrow.Array) {
	n := arr.Len()
	k.nb, k.off = nullBitmap(arr), arr.Data().Offset()
	switch a := arr.(type) {
	case *array.Boolean:
		s := k.scr(n)
		for i := range s {
			if a.Value(i) {
				s[i] = 1
			} else {
				s[i] = 0
			}
		}
		k.cur = s
	case *array.Float32:
		s := k.scr(n)
		for i, v := range a.Float32Values() {
			s[i] = T(normF32(v))
		}
		k.cur = s
	case *array.Float64:
		s := k.scr(n)
		for i, v := range a.Float64Values() {
			s[i] = T(normF64(v))
		}
		k.cur = s
	default:
		k.cur = fixedValues[T](arr)
	}
}

func (k *fixedKey[T]) scr(n int) []T {
	if cap(k.scratch) < n {
		k.scratch = make([]T, n)
	}
	return k.scratch[:n]
}

func normF64(v float64) uint64 {
	if v != v {
		return 0x7ff8000000000001
	}
	if v == 0 {
		return 0
	}
	return math.Float64bits(v)
}

func normF32(v float32) uint32 {
	if v != v {
		return 0x7fc00001
	}
	if v == 0 {
		return 0
	}
	return math.Float32bits(v)
}

func (k *fixedKey[T]) hash(h []uint64, first bool) { hashFixed(k.cur, k.nb, k.off, h, first) }

func (k *fixedKey[T]) eq(rows, gids []int32, ok []bool) {
	cur, st := k.cur, k.vals.s
	if k.nb == nil && !k.nullSeen {
		for i, r := range rows {
			if cur[r] != st[gids[i]] {
				ok[i] = false
			}
		}
		return
	}
	sv := k.valid.s
	for i, r := range rows {
		g := gids[i]
		vin := validBit(k.nb, k.off, int(r))
		if vin != (sv[g] != 0) || (vin && cur[r] != st[g]) {
			ok[i] = false
		}
	}
}

func (k *fixedKey[T]) appendRows(rows []int32) {
	for _, r := range rows {
		if validBit(k.nb, k.off, int(r)) {
			k.vals.push(k.cur[r])
			k.valid.push(1)
		} else {
			var zero T
			k.vals.push(zero)
			k.valid.push(0)
			k.nullSeen = true
		}
	}
}

func (k *fixedKey[T]) build(mem memory.Allocator, from, to int) arrow.Array {
	var valid []uint8
	if k.nullSeen {
		valid = k.valid.s[from:to]
	}
	if k.dt.ID() == arrow.BOOL {
		return buildBools(mem, asBytes(k.vals.s[from:to]), valid)
	}
	return buildFixed(mem, k.dt, k.vals.s[from:to], valid)
}

func (k *fixedKey[T]) release() {
	k.vals.release()
	k.valid.release()
	k.cur, k.nb = nil, nil
}

// decKey holds decimal128 keys.
type decKey struct {
	dt       arrow.DataType
	vals     vec[decimal128.Num]
	valid    vec[uint8]
	nullSeen bool
	cur      []decimal128.Num
	nb       []byte
	off      int
}

func (k *decKey) bind(arr arrow.Array) {
	k.cur = arr.(*array.Decimal128).Values()
	k.nb, k.off = nullBitmap(arr), arr.Data().Offset()
}

func (k *decKey) hash(h []uint64, first bool) {
	for i, v := range k.cur {
		x := mix64(v.LowBits()) ^ uint64(v.HighBits())
		if k.nb != nil && !bitutil.BitIsSet(k.nb, k.off+i) {
			x = hashNullValue
		}
		h[i] = foldHash(h[i], x, first)
	}
}

func (k *decKey) eq(rows, gids []int32, ok []bool) {
	cur, st, sv := k.cur, k.vals.s, k.valid.s
	for i, r := range rows {
		g := gids[i]
		vin := validBit(k.nb, k.off, int(r))
		if vin != (sv[g] != 0) || (vin && cur[r] != st[g]) {
			ok[i] = false
		}
	}
}

func (k *decKey) appendRows(rows []int32) {
	for _, r := range rows {
		if validBit(k.nb, k.off, int(r)) {
			k.vals.push(k.cur[r])
			k.valid.push(1)
		} else {
			k.vals.push(decimal128.Num{})
			k.valid.push(0)
			k.nullSeen = true
		}
	}
}

func (k *decKey) build(mem memory.Allocator, from, to int) arrow.Array {
	var valid []uint8
	if k.nullSeen {
		valid = k.valid.s[from:to]
	}
	return buildFixed(mem, k.dt, k.vals.s[from:to], valid)
}

func (k *decKey) release() {
	k.vals.release()
	k.valid.release()
	k.cur, k.nb = nil, nil
}

// ivSpan is an interval normalized as PostgreSQL compares and hashes intervals
// (intervalSpan: a month is 30 days, a day 24 hours): whole days and the microseconds of the
// remaining day. '1 mon', '30 days' and '720 hours' have the same span.
type ivSpan struct{ days, us int64 }

// intervalKey holds interval keys: hashing and equality use the span, the group keeps the
// first value seen.
type intervalKey struct {
	dt       arrow.DataType
	vals     vec[arrow.MonthDayNanoInterval]
	spans    vec[ivSpan]
	valid    vec[uint8]
	nullSeen bool

	raw     []arrow.MonthDayNanoInterval
	cur     []ivSpan
	nb      []byte
	off     int
	scratch []ivSpan
}

func (k *intervalKey) bind(arr arrow.Array) {
	k.raw = vals[arrow.MonthDayNanoInterval](arr)
	k.nb, k.off = nullBitmap(arr), arr.Data().Offset()
	if cap(k.scratch) < len(k.raw) {
		k.scratch = make([]ivSpan, len(k.raw))
	}
	k.cur = k.scratch[:len(k.raw)]
	for i, v := range k.raw {
		d, us := intervalSpan(v)
		k.cur[i] = ivSpan{d, us}
	}
}

func (k *intervalKey) hash(h []uint64, first bool) {
	for i, v := range k.cur {
		x := hashCombine(uint64(v.days), uint64(v.us))
		if k.nb != nil && !bitutil.BitIsSet(k.nb, k.off+i) {
			x = hashNullValue
		}
		h[i] = foldHash(h[i], x, first)
	}
}

func (k *intervalKey) eq(rows, gids []int32, ok []bool) {
	cur, st, sv := k.cur, k.spans.s, k.valid.s
	for i, r := range rows {
		g := gids[i]
		vin := validBit(k.nb, k.off, int(r))
		if vin != (sv[g] != 0) || (vin && cur[r] != st[g]) {
			ok[i] = false
		}
	}
}

func (k *intervalKey) appendRows(rows []int32) {
	for _, r := range rows {
		if validBit(k.nb, k.off, int(r)) {
			k.vals.push(k.raw[r])
			k.spans.push(k.cur[r])
			k.valid.push(1)
		} else {
			k.vals.push(arrow.MonthDayNanoInterval{})
			k.spans.push(ivSpan{})
			k.valid.push(0)
			k.nullSeen = true
		}
	}
}

func (k *intervalKey) build(mem memory.Allocator, from, to int) arrow.Array {
	var valid []uint8
	if k.nullSeen {
		valid = k.valid.s[from:to]
	}
	return buildFixed(mem, k.dt, k.vals.s[from:to], valid)
}

func (k *intervalKey) release() {
	k.vals.release()
	k.spans.release()
	k.valid.release()
	k.raw, k.cur, k.nb = nil, nil, nil
}

// strKey holds string or binary keys in one byte arena.
type strKey struct {
	dt       arrow.DataType
	seed     maphash.Seed
	offs     vec[int64]
	data     vec[byte]
	valid    vec[uint8]
	nullSeen bool

	curOffs []int32
	curData []byte
	nb      []byte
	off     int
}

func (k *strKey) bind(arr arrow.Array) {
	switch a := arr.(type) {
	case *array.String:
		k.curOffs, k.curData = a.ValueOffsets(), a.ValueBytes()
	case *array.Binary:
		k.curOffs, k.curData = a.ValueOffsets(), a.ValueBytes()
	}
	k.nb, k.off = nullBitmap(arr), arr.Data().Offset()
}

func (k *strKey) hash(h []uint64, first bool) {
	offs, data := k.curOffs, k.curData
	base := offs[0]
	for i := 0; i+1 < len(offs); i++ {
		var x uint64
		if k.nb != nil && !bitutil.BitIsSet(k.nb, k.off+i) {
			x = hashNullValue
		} else {
			x = maphash.Bytes(k.seed, data[offs[i]-base:offs[i+1]-base])
		}
		h[i] = foldHash(h[i], x, first)
	}
}

func (k *strKey) eq(rows, gids []int32, ok []bool) {
	offs, data, base := k.curOffs, k.curData, k.curOffs[0]
	so, sd, sv := k.offs.s, k.data.s, k.valid.s
	for i, r := range rows {
		g := gids[i]
		vin := validBit(k.nb, k.off, int(r))
		if vin != (sv[g] != 0) {
			ok[i] = false
			continue
		}
		if vin && string(data[offs[r]-base:offs[r+1]-base]) != string(sd[so[g]:so[g+1]]) {
			ok[i] = false
		}
	}
}

func (k *strKey) appendRows(rows []int32) {
	offs, data, base := k.curOffs, k.curData, k.curOffs[0]
	for _, r := range rows {
		if validBit(k.nb, k.off, int(r)) {
			b := data[offs[r]-base : offs[r+1]-base]
			n := len(k.data.s)
			k.data.reserve(n + len(b))
			k.data.s = append(k.data.s, b...)
			k.valid.push(1)
		} else {
			k.valid.push(0)
			k.nullSeen = true
		}
		k.offs.push(int64(len(k.data.s)))
	}
}

func (k *strKey) build(mem memory.Allocator, from, to int) arrow.Array {
	var valid []uint8
	if k.nullSeen {
		valid = k.valid.s[from:to]
	}
	return buildStrings(mem, k.dt, k.offs.s[from:to+1], k.data.s, valid)
}

func (k *strKey) release() {
	k.offs.release()
	k.data.release()
	k.valid.release()
	k.curOffs, k.curData, k.nb = nil, nil, nil
}

// groupTable maps key tuples to dense group ids 0..n-1 in order of first appearance.
type groupTable struct {
	keys   []keyCol
	slots  vec[uint64] // tag<<32 | gid+1; 0 is empty
	ghash  vec[uint64] // hash of each group, for resizing
	mask   uint64
	n      int
	hashes []uint64
	pos    []uint64
	rem    []int32
	next   []int32
	cand   []int32
	candG  []int32
	ok     []bool
	// newRows lists, after find with insert, the rows that created a group.
	newRows []int32
}

func newGroupTable(mem memory.Allocator, types []arrow.DataType) (*groupTable, error) {
	seed := maphash.MakeSeed()
	t := &groupTable{slots: newVec[uint64](mem), ghash: newVec[uint64](mem)}
	for _, dt := range types {
		k, err := newKeyCol(mem, dt, seed)
		if err != nil {
			t.release()
			return nil, err
		}
		t.keys = append(t.keys, k)
	}
	t.slots.resize(1024)
	t.mask = 1023
	return t, nil
}

func (t *groupTable) release() {
	for _, k := range t.keys {
		k.release()
	}
	t.slots.release()
	t.ghash.release()
}

// grow keeps the load factor at or under 1/2 for n groups.
func (t *groupTable) grow(n int) {
	if uint64(2*n) <= t.mask+1 {
		return
	}
	size := t.mask + 1
	for uint64(2*n) > size {
		size *= 2
	}
	t.slots.release()
	t.slots.resize(int(size))
	t.mask = size - 1
	slots := t.slots.s
	for g, h := range t.ghash.s {
		p := h & t.mask
		for slots[p] != 0 {
			p = (p + 1) & t.mask
		}
		slots[p] = (h>>32)<<32 | uint64(g+1)
	}
}

// hashBatch binds cols and hashes their n rows into t.hashes.
func (t *groupTable) hashBatch(cols []arrow.Array, n int) []uint64 {
	if cap(t.hashes) < n {
		t.hashes = make([]uint64, n)
		t.pos = make([]uint64, n)
	}
	h := t.hashes[:n]
	if n == 0 {
		return h
	}
	for i, k := range t.keys {
		k.bind(cols[i])
		k.hash(h, i == 0)
	}
	return h
}

// find maps the rows sel of the batch last given to hashBatch to group ids in gids (indexed
// by row). With insert, unknown keys create groups (listed in t.newRows); without, they get -1.
func (t *groupTable) find(sel []int32, gids []int32, insert bool) {
	h := t.hashes
	pos := t.pos
	if insert {
		t.grow(t.n + len(sel))
	}
	mask := t.mask
	for _, r := range sel {
		pos[r] = h[r] & mask
	}
	t.newRows = t.newRows[:0]
	rem := append(t.rem[:0], sel...)
	appended := 0
	for len(rem) > 0 {
		cand, candG := t.cand[:0], t.candG[:0]
		slots := t.slots.s
		for _, r := range rem {
			p := pos[r]
			tag := h[r] >> 32
			for {
				s := slots[p]
				if s == 0 {
					if insert {
						g := t.n
						t.n++
						slots[p] = tag<<32 | uint64(g+1)
						t.ghash.push(h[r])
						gids[r] = int32(g)
						t.newRows = append(t.newRows, r)
					} else {
						gids[r] = -1
					}
					break
				}
				if s>>32 == tag {
					cand = append(cand, r)
					candG = append(candG, int32(uint32(s)-1))
					pos[r] = p
					break
				}
				p = (p + 1) & mask
			}
		}
		if len(t.newRows) > appended {
			for _, k := range t.keys {
				k.appendRows(t.newRows[appended:])
			}
			appended = len(t.newRows)
		}
		t.cand, t.candG = cand, candG
		if len(cand) == 0 {
			break
		}
		if cap(t.ok) < len(cand) {
			t.ok = make([]bool, len(cand))
		}
		ok := t.ok[:len(cand)]
		for i := range ok {
			ok[i] = true
		}
		for _, k := range t.keys {
			k.eq(cand, candG, ok)
		}
		next := t.next[:0]
		for i, r := range cand {
			if ok[i] {
				gids[r] = candG[i]
			} else {
				pos[r] = (pos[r] + 1) & mask
				next = append(next, r)
			}
		}
		t.next = rem
		rem = next
	}
	t.rem = rem
}

// foldHash folds one key column's value hash x into a row's hash: the first key column
// starts it, later ones combine with it.
func foldHash(h, x uint64, first bool) uint64 {
	if first {
		return mix64(x)
	}
	return hashCombine(h, x)
}
