package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// hashJoin builds a groupTable over the right input's keys (rows with a NULL key are kept
// for outer output but never inserted), chains the build rows of each distinct key, then
// probes with left batches and gathers output columns by row indices.
type hashJoin struct {
	env         Env
	left, right Operator
	lk, rk      []int
	typ         JoinType
	schema      *arrow.Schema

	build    []arrow.Array // right columns, concatenated
	nbuild   int
	table    *groupTable
	head     vec[int32] // first build row per group
	tail     vec[int32]
	next     vec[int32] // next build row with the same key
	matched  vec[uint8] // right and full joins
	built    bool
	leftDone bool

	cur      arrow.RecordBatch
	curG     []int32
	curRow   int
	chain    int32 // -2: row not started
	sel      []int32
	li, ri   []int32
	unmPos   int
	cols     []arrow.Array
	opened   bool
	closed   bool
	stats    OperatorStats
	probeCol []arrow.Array
}

var _ Operator = (*hashJoin)(nil)

// NewHashJoin joins left and right on leftKeys[i] = rightKeys[i] (NULL keys never match),
// building a hash table from the right input. Output: left columns then right columns (semi
// and anti joins: left columns only). Key columns of a pair have the same type.
func NewHashJoin(env Env, left, right Operator, leftKeys, rightKeys []int, typ JoinType) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	if len(leftKeys) != len(rightKeys) || len(leftKeys) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: %d left keys and %d right keys", len(leftKeys), len(rightKeys))
	}
	ls, rs := left.Schema(), right.Schema()
	for i := range leftKeys {
		if leftKeys[i] < 0 || leftKeys[i] >= ls.NumFields() || rightKeys[i] < 0 || rightKeys[i] >= rs.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: key column out of range")
		}
		lt, rt := ls.Field(leftKeys[i]).Type, rs.Field(rightKeys[i]).Type
		if !arrow.TypeEqual(lt, rt) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: key types %s and %s differ", lt, rt)
		}
		if !keyKindOK(lt) {
			return nil, errs.Errorf(errs.ErrNotSupported, "join key of type %s", lt)
		}
	}
	if typ > JoinAnti {
		return nil, errs.Errorf(errs.ErrNotSupported, "join type %d", typ)
	}
	var fields []arrow.Field
	for _, f := range ls.Fields() {
		if typ == JoinRight || typ == JoinFull {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	if typ != JoinSemi && typ != JoinAnti {
		for _, f := range rs.Fields() {
			if typ == JoinLeft || typ == JoinFull {
				f.Nullable = true
			}
			fields = append(fields, f)
		}
	}
	return &hashJoin{env: env, left: left, right: right, lk: leftKeys, rk: rightKeys, typ: typ,
		schema: arrow.NewSchema(fields, nil), chain: -2}, nil
}

func (j *hashJoin) Schema() *arrow.Schema { return j.schema }
func (j *hashJoin) Stats() OperatorStats  { return j.stats }

func (j *hashJoin) Open(ctx context.Context) error {
	if j.opened {
		return nil
	}
	j.opened = true
	if err := j.right.Open(ctx); err != nil {
		return err
	}
	return j.left.Open(ctx)
}

// keysValid lists the rows of cols[*] where no key is NULL.
func keysValid(cols []arrow.Array, n int, sel []int32) []int32 {
	sel = sel[:0]
	anyNull := false
	for _, c := range cols {
		if c.NullN() > 0 {
			anyNull = true
		}
	}
	for i := 0; i < n; i++ {
		if anyNull {
			ok := true
			for _, c := range cols {
				if c.IsNull(i) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
		}
		sel = append(sel, int32(i))
	}
	return sel
}

func (j *hashJoin) buildSide(ctx context.Context) error {
	mem := j.env.Alloc
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := j.right.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		batches = append(batches, b)
		j.nbuild += int(b.NumRows())
	}
	if j.nbuild >= 1<<31-1 {
		return errs.Errorf(errs.ErrResourceExhausted, "hash join: build side of %d rows", j.nbuild)
	}
	rs := j.right.Schema()
	for c := 0; c < rs.NumFields(); c++ {
		if j.nbuild == 0 {
			j.build = append(j.build, array.MakeArrayOfNull(mem, rs.Field(c).Type, 0))
			continue
		}
		if len(batches) == 1 {
			a := batches[0].Column(c)
			a.Retain()
			j.build = append(j.build, a)
			continue
		}
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			return err
		}
		j.build = append(j.build, a)
	}
	for _, b := range batches {
		b.Release()
	}
	batches = nil

	types := make([]arrow.DataType, len(j.rk))
	for i, c := range j.rk {
		types[i] = rs.Field(c).Type
	}
	t, err := newGroupTable(mem, types)
	if err != nil {
		return err
	}
	j.table = t
	t.grow(j.nbuild + 1<<14) // size the table once for the whole build side (find adds one chunk)
	t.ghash.reserve(j.nbuild)
	j.head, j.tail, j.next = newVec[int32](mem), newVec[int32](mem), newVec[int32](mem)
	j.next.resize(j.nbuild)
	if j.typ == JoinRight || j.typ == JoinFull {
		j.matched = newVec[uint8](mem)
		j.matched.resize(j.nbuild)
	}
	const chunk = 1 << 14
	gids := make([]int32, chunk)
	keys := make([]arrow.Array, len(j.rk))
	for start := 0; start < j.nbuild; start += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+chunk, j.nbuild)
		for i, c := range j.rk {
			keys[i] = array.NewSlice(j.build[c], int64(start), int64(end))
		}
		n := end - start
		j.sel = keysValid(keys, n, j.sel)
		t.hashBatch(keys, n)
		t.find(j.sel, gids, true)
		releaseArrays(keys)
		if t.n > len(j.head.s) {
			old := len(j.head.s)
			j.head.resize(t.n)
			j.tail.resize(t.n)
			for g := old; g < t.n; g++ {
				j.head.s[g] = -1
			}
		}
		head, tail, next := j.head.s, j.tail.s, j.next.s
		for _, r := range j.sel {
			g, row := gids[r], int32(start)+r
			next[row] = -1
			if head[g] < 0 {
				head[g] = row
			} else {
				next[tail[g]] = row
			}
			tail[g] = row
		}
	}
	j.tail.release()
	return nil
}

func (j *hashJoin) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if j.closed {
		return nil, io.EOF
	}
	if !j.opened {
		if err := j.Open(ctx); err != nil {
			return nil, err
		}
	}
	if !j.built {
		if err := j.buildSide(ctx); err != nil {
			return nil, err
		}
		j.built = true
		if j.table.n == 0 && (j.typ == JoinInner || j.typ == JoinSemi || j.typ == JoinRight) {
			j.leftDone = true // no left row can match
		}
	}
	size := j.env.Size()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if j.cur == nil {
			if j.leftDone {
				return j.emitUnmatched(size)
			}
			b, err := j.left.Next(ctx)
			if err == io.EOF {
				j.leftDone = true
				continue
			}
			if err != nil {
				return nil, err
			}
			j.probe(b)
		}
		j.li, j.ri = j.li[:0], j.ri[:0]
		j.fill(size)
		n := int(j.cur.NumRows())
		if len(j.li) > 0 {
			rec, err := j.output(j.cur.Columns())
			if j.curRow >= n {
				j.cur.Release()
				j.cur = nil
			}
			return rec, err
		}
		if j.curRow >= n {
			j.cur.Release()
			j.cur = nil
		}
	}
}

// probe looks up the group of every row of b (-1: no match or NULL key).
func (j *hashJoin) probe(b arrow.RecordBatch) {
	j.cur, j.curRow, j.chain = b, 0, -2
	n := int(b.NumRows())
	if cap(j.curG) < n {
		j.curG = make([]int32, n)
	}
	j.curG = j.curG[:n]
	if j.table.n == 0 {
		for i := range j.curG {
			j.curG[i] = -1
		}
		return
	}
	j.probeCol = j.probeCol[:0]
	for _, c := range j.lk {
		j.probeCol = append(j.probeCol, b.Column(c))
	}
	for i := range j.curG {
		j.curG[i] = -1
	}
	j.sel = keysValid(j.probeCol, n, j.sel)
	j.table.hashBatch(j.probeCol, n)
	j.table.find(j.sel, j.curG, false)
}

// fill appends up to size output index pairs for the current probe batch.
func (j *hashJoin) fill(size int) {
	g, n := j.curG, len(j.curG)
	switch j.typ {
	case JoinSemi, JoinAnti:
		want := j.typ == JoinSemi
		for j.curRow < n && len(j.li) < size {
			if (g[j.curRow] >= 0) == want {
				j.li = append(j.li, int32(j.curRow))
			}
			j.curRow++
		}
		return
	}
	outerLeft := j.typ == JoinLeft || j.typ == JoinFull
	mark := j.matched.s
	head, next := j.head.s, j.next.s
	for j.curRow < n && len(j.li) < size {
		gid := g[j.curRow]
		if gid < 0 {
			if outerLeft {
				j.li = append(j.li, int32(j.curRow))
				j.ri = append(j.ri, -1)
			}
			j.curRow++
			continue
		}
		if j.chain == -2 {
			j.chain = head[gid]
		}
		r := int32(j.curRow)
		for j.chain >= 0 && len(j.li) < size {
			j.li = append(j.li, r)
			j.ri = append(j.ri, j.chain)
			if mark != nil {
				mark[j.chain] = 1
			}
			j.chain = next[j.chain]
		}
		if j.chain < 0 {
			j.curRow++
			j.chain = -2
		}
	}
}

func (j *hashJoin) output(left []arrow.Array) (arrow.RecordBatch, error) {
	mem := j.env.Alloc
	n := len(j.li)
	cols, err := gatherColumns(mem, left, j.li, j.cols[:0])
	if err != nil {
		return nil, err
	}
	if j.typ != JoinSemi && j.typ != JoinAnti {
		cols, err = gatherColumns(mem, j.build, j.ri, cols)
		if err != nil {
			return nil, err
		}
	}
	rec := array.NewRecordBatch(j.schema, cols, int64(n))
	releaseArrays(cols)
	j.cols = cols[:0]
	j.stats.Rows += int64(n)
	j.stats.Batches++
	return rec, nil
}

// emitUnmatched returns the build rows no probe row matched (right and full joins).
func (j *hashJoin) emitUnmatched(size int) (arrow.RecordBatch, error) {
	if j.typ != JoinRight && j.typ != JoinFull {
		return nil, io.EOF
	}
	j.li, j.ri = j.li[:0], j.ri[:0]
	m := j.matched.s
	for j.unmPos < j.nbuild && len(j.ri) < size {
		if m[j.unmPos] == 0 {
			j.li = append(j.li, -1)
			j.ri = append(j.ri, int32(j.unmPos))
		}
		j.unmPos++
	}
	if len(j.ri) == 0 {
		return nil, io.EOF
	}
	ls := j.left.Schema()
	left := make([]arrow.Array, ls.NumFields())
	for i, f := range ls.Fields() {
		left[i] = array.MakeArrayOfNull(j.env.Alloc, f.Type, 1)
	}
	defer releaseArrays(left)
	return j.output(left)
}

func (j *hashJoin) Close() error {
	if j.closed {
		return nil
	}
	j.closed = true
	if j.cur != nil {
		j.cur.Release()
		j.cur = nil
	}
	releaseArrays(j.build)
	j.build = nil
	if j.table != nil {
		j.table.release()
		j.table = nil
	}
	j.head.release()
	j.tail.release()
	j.next.release()
	j.matched.release()
	err := j.left.Close()
	if err2 := j.right.Close(); err == nil {
		err = err2
	}
	return err
}
