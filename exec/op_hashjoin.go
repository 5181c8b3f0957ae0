package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/proto/errs"
)

// joinOp is the hash join and the nested loop join: both read the whole right input (the
// build side), then stream left batches. For each left batch, a candidate generator produces
// (left row, right row) pairs — hash-table chains of equal keys, or every pair of a block of
// left rows with the build side — the join filter is evaluated over a batch of gathered
// candidate pairs, and the surviving pairs are output (inner, left, right, full) or recorded
// per left row (semi, anti, single, mark), whose output follows once the batch's candidates
// are exhausted. Right and full joins emit the unmatched build rows at the end.
type joinOp struct {
	env         Env
	left, right Operator
	typ         JoinType
	lk, rk      []int
	nullEq      []bool
	filter      Expr
	hash        bool
	schema      *arrow.Schema
	pairSchema  *arrow.Schema // left fields then right fields, for the filter

	build    []arrow.Array // right columns, concatenated
	nbuild   int
	table    *groupTable
	head     vec[int32] // first build row per group
	tail     vec[int32]
	next     vec[int32] // next build row with the same key
	matched  vec[uint8] // right and full joins
	nullRows []int32    // build rows with a NULL in a plain-equality key (mark joins)
	built    bool
	leftDone bool

	cur      arrow.RecordBatch
	curG     []int32 // hash: group of each row (-1: no match)
	curRow   int
	chain    int32 // hash: -2 row not started
	rpos     int   // nested loop: next build row for curRow
	candDone bool
	lstate   []uint8 // per left row: 1 matched, 2 a comparison was NULL
	lmatch   []int32 // single: the matching build row (-1 none)
	sel      []int32
	li, ri   []int32
	keep     []int32
	unmPos   int
	probeCol []arrow.Array
	Lifecycle
	stats OperatorStats
}

const (
	lsMatched = 1
	lsNull    = 2
)

var _ Operator = (*joinOp)(nil)

// NewHashJoin joins left and right on leftKeys[i] = rightKeys[i] (NULL keys never match),
// building a hash table from the right input. Output: left columns then right columns (semi
// and anti joins: left columns only). Key columns of a pair have the same type.
func NewHashJoin(env Env, left, right Operator, leftKeys, rightKeys []int, typ JoinType) (Operator, error) {
	if len(leftKeys) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: no keys")
	}
	return NewJoin(env, left, right, JoinSpec{Type: typ, LeftKeys: leftKeys, RightKeys: rightKeys})
}

// NewJoin builds the join spec describes: a hash join when it has keys, else a nested loop
// join (see NewNestedLoopJoin).
func NewJoin(env Env, left, right Operator, spec JoinSpec) (Operator, error) {
	if env.Alloc == nil {
		env.Alloc = memory.DefaultAllocator
	}
	lk, rk := spec.LeftKeys, spec.RightKeys
	if len(lk) != len(rk) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "join: %d left keys and %d right keys", len(lk), len(rk))
	}
	if spec.NullEqual != nil && len(spec.NullEqual) != len(lk) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "join: %d null-equality flags for %d keys", len(spec.NullEqual), len(lk))
	}
	ls, rs := left.Schema(), right.Schema()
	for i := range lk {
		if lk[i] < 0 || lk[i] >= ls.NumFields() || rk[i] < 0 || rk[i] >= rs.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: key column out of range")
		}
		lt, rt := ls.Field(lk[i]).Type, rs.Field(rk[i]).Type
		if !arrow.TypeEqual(lt, rt) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "hash join: key types %s and %s differ", lt, rt)
		}
		if !keyKindOK(lt) {
			return nil, errs.Errorf(errs.ErrNotSupported, "join key of type %s", lt)
		}
	}
	typ := spec.Type
	if typ > JoinMark {
		return nil, errs.Errorf(errs.ErrNotSupported, "join type %d", typ)
	}
	if spec.Filter != nil {
		if id := spec.Filter.Type().ID(); id != arrow.BOOL && id != arrow.NULL {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "argument of JOIN/ON must be type boolean, not type %s", spec.Filter.Type())
		}
	}
	nullEq := spec.NullEqual
	if nullEq == nil {
		nullEq = make([]bool, len(lk))
	}
	var fields, pair []arrow.Field
	for _, f := range ls.Fields() {
		pair = append(pair, f)
		if typ == JoinRight || typ == JoinFull {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	for _, f := range rs.Fields() {
		pair = append(pair, f)
		if typ == JoinSemi || typ == JoinAnti || typ == JoinMark {
			continue
		}
		if typ == JoinLeft || typ == JoinFull || typ == JoinSingle {
			f.Nullable = true
		}
		fields = append(fields, f)
	}
	if typ == JoinMark {
		name := spec.MarkName
		if name == "" {
			name = "mark"
		}
		fields = append(fields, arrow.Field{Name: name, Type: arrow.FixedWidthTypes.Boolean, Nullable: true})
	}
	return &joinOp{env: env, left: left, right: right, lk: lk, rk: rk, nullEq: nullEq, typ: typ,
		filter: spec.Filter, hash: len(lk) > 0, schema: arrow.NewSchema(fields, nil),
		pairSchema: arrow.NewSchema(pair, nil), chain: -2}, nil
}

func (j *joinOp) Schema() *arrow.Schema { return j.schema }
func (j *joinOp) Stats() OperatorStats  { return j.stats }

// Describe names the operator for EXPLAIN ANALYZE.
func (j *joinOp) Describe() string {
	if j.hash {
		return "HashJoin[" + j.typ.String() + "]"
	}
	return "NestedLoopJoin[" + j.typ.String() + "]"
}

// Inputs lists the operator's children for EXPLAIN ANALYZE.
func (j *joinOp) Inputs() []Operator { return []Operator{j.left, j.right} }

func (j *joinOp) Open(ctx context.Context) error { return j.OpenOnce(ctx, j.open) }

// open opens the inputs and sets up the operator's state (once, through Lifecycle).
func (j *joinOp) open(ctx context.Context) error {
	if err := j.right.Open(ctx); err != nil {
		return err
	}
	return j.left.Open(ctx)
}

// keysValid lists the rows of cols[*] where no key is NULL (keys with skip[i] set are not
// checked).
func keysValid(cols []arrow.Array, skip []bool, n int, sel []int32) []int32 {
	sel = sel[:0]
	anyNull := false
	for i, c := range cols {
		if c.NullN() > 0 && (skip == nil || !skip[i]) {
			anyNull = true
		}
	}
	for i := 0; i < n; i++ {
		if anyNull {
			ok := true
			for k, c := range cols {
				if (skip == nil || !skip[k]) && c.IsNull(i) {
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

// loadBuild reads the right input into j.build.
func (j *joinOp) loadBuild(ctx context.Context) error {
	mem := j.env.Alloc
	batches, n, err := collect(ctx, j.right)
	if err != nil {
		return err
	}
	defer releaseBatches(batches)
	j.nbuild = n
	if j.nbuild >= 1<<31-1 {
		return errs.Errorf(errs.ErrResourceExhausted, "join: build side of %d rows", j.nbuild)
	}
	if j.build, err = concatBatches(mem, j.right.Schema(), batches); err != nil {
		return err
	}
	if j.typ == JoinRight || j.typ == JoinFull {
		j.matched = newVec[uint8](mem)
		j.matched.resize(j.nbuild)
	}
	return nil
}

func (j *joinOp) buildSide(ctx context.Context) error {
	if err := j.loadBuild(ctx); err != nil {
		return err
	}
	if !j.hash {
		return nil
	}
	mem := j.env.Alloc
	rs := j.right.Schema()
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
		j.sel = keysValid(keys, j.nullEq, n, j.sel)
		if j.typ == JoinMark && len(j.sel) < n {
			k := 0
			for r := 0; r < n; r++ {
				if k < len(j.sel) && j.sel[k] == int32(r) {
					k++
					continue
				}
				j.nullRows = append(j.nullRows, int32(start+r))
			}
		}
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

func (j *joinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := j.BeforeNext(ctx, j.open); err != nil {
		return nil, err
	}
	if !j.built {
		if err := j.buildSide(ctx); err != nil {
			return nil, err
		}
		j.built = true
		if j.nbuild == 0 && (j.typ == JoinInner || j.typ == JoinSemi || j.typ == JoinRight) {
			j.leftDone = true // no left row can match
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if j.cur == nil {
			if j.leftDone {
				return j.emitUnmatched()
			}
			b, err := j.left.Next(ctx)
			if err == io.EOF {
				j.leftDone = true
				continue
			}
			if err != nil {
				return nil, err
			}
			if b.NumRows() == 0 {
				b.Release()
				continue
			}
			j.startBatch(b)
		}
		if !j.candDone {
			j.li, j.ri = j.li[:0], j.ri[:0]
			if j.hash {
				j.fillHash(j.env.Size())
			} else {
				j.fillLoop(max(j.env.Size(), 2048))
			}
			if len(j.li) == 0 {
				j.candDone = true
				continue
			}
			rec, err := j.pairs(ctx)
			if err != nil {
				return nil, err
			}
			if rec != nil {
				return j.count(rec), nil
			}
			continue
		}
		rec, err := j.finishBatch(ctx)
		j.cur.Release()
		j.cur = nil
		if err != nil {
			return nil, err
		}
		if rec != nil {
			return j.count(rec), nil
		}
	}
}

func (j *joinOp) count(rec arrow.RecordBatch) arrow.RecordBatch {
	j.stats.Rows += rec.NumRows()
	j.stats.Batches++
	return rec
}

// startBatch makes b the current probe batch.
func (j *joinOp) startBatch(b arrow.RecordBatch) {
	j.cur, j.curRow, j.chain, j.rpos, j.candDone = b, 0, -2, 0, false
	n := int(b.NumRows())
	j.lstate = resizeZero(j.lstate, n)
	if j.typ == JoinSingle {
		j.lmatch = resizeFill(j.lmatch, n, -1)
	}
	if !j.hash {
		if j.nbuild == 0 {
			j.candDone = true
		}
		return
	}
	j.curG = resizeFill(j.curG, n, -1)
	if j.table.n > 0 {
		j.probeCol = j.probeCol[:0]
		for _, c := range j.lk {
			j.probeCol = append(j.probeCol, b.Column(c))
		}
		j.sel = keysValid(j.probeCol, j.nullEq, n, j.sel)
		j.table.hashBatch(j.probeCol, n)
		j.table.find(j.sel, j.curG, false)
	}
	if j.filter == nil && (j.typ == JoinSemi || j.typ == JoinAnti || j.typ == JoinMark) {
		// The key match alone decides: no pairs needed.
		for i, g := range j.curG {
			if g >= 0 {
				j.lstate[i] = lsMatched
			}
		}
		j.candDone = true
	}
}

func resizeZero[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func resizeFill[T any](s []T, n int, v T) []T {
	if cap(s) < n {
		s = make([]T, n)
	}
	s = s[:n]
	for i := range s {
		s[i] = v
	}
	return s
}

// fillHash appends up to size candidate pairs from the hash chains of the current batch.
func (j *joinOp) fillHash(size int) {
	g, n := j.curG, len(j.curG)
	head, next := j.head.s, j.next.s
	// semi, anti and mark joins stop at a row's first match.
	stopAtMatch := j.typ == JoinSemi || j.typ == JoinAnti || j.typ == JoinMark
	for j.curRow < n && len(j.li) < size {
		gid := g[j.curRow]
		if gid < 0 || (stopAtMatch && j.lstate[j.curRow]&lsMatched != 0) {
			j.curRow++
			j.chain = -2
			continue
		}
		if j.chain == -2 {
			j.chain = head[gid]
		}
		r := int32(j.curRow)
		for j.chain >= 0 && len(j.li) < size {
			j.li = append(j.li, r)
			j.ri = append(j.ri, j.chain)
			j.chain = next[j.chain]
		}
		if j.chain < 0 {
			j.curRow++
			j.chain = -2
		}
	}
}

// pairs evaluates the join filter over the candidate pairs li/ri and records the matches.
// Inner and outer joins return the matching pairs as an output batch.
func (j *joinOp) pairs(ctx context.Context) (arrow.RecordBatch, error) {
	mem := j.env.Alloc
	outputs := j.typ == JoinInner || j.typ == JoinLeft || j.typ == JoinRight || j.typ == JoinFull
	if j.filter == nil {
		for k, l := range j.li {
			if err := j.match(l, j.ri[k]); err != nil {
				return nil, err
			}
		}
		if !outputs {
			return nil, nil
		}
		return j.gatherPairs(j.li, j.ri)
	}
	pb, err := j.gatherPairBatch(j.li, j.ri)
	if err != nil {
		return nil, err
	}
	mask, err := j.filter.Eval(ctx, pb, mem)
	if err != nil {
		pb.Release()
		return nil, err
	}
	j.keep = j.keep[:0]
	if mask.DataType().ID() == arrow.BOOL {
		bm := mask.(*array.Boolean)
		for k := range j.li {
			switch {
			case bm.IsNull(k):
				j.lstate[j.li[k]] |= lsNull
			case bm.Value(k):
				j.keep = append(j.keep, int32(k))
				if err := j.match(j.li[k], j.ri[k]); err != nil {
					mask.Release()
					pb.Release()
					return nil, err
				}
			}
		}
	} else {
		for _, l := range j.li {
			j.lstate[l] |= lsNull
		}
	}
	mask.Release()
	if !outputs || len(j.keep) == 0 {
		pb.Release()
		return nil, nil
	}
	if len(j.keep) == len(j.li) {
		out := array.NewRecordBatch(j.schema, pb.Columns(), pb.NumRows())
		pb.Release()
		return out, nil
	}
	cols, err := gatherColumns(mem, pb.Columns(), j.keep, nil)
	pb.Release()
	if err != nil {
		return nil, err
	}
	out := array.NewRecordBatch(j.schema, cols, int64(len(j.keep)))
	releaseArrays(cols)
	return out, nil
}

// match records that left row l matched build row r.
func (j *joinOp) match(l, r int32) error {
	if j.typ == JoinSingle {
		if j.lmatch[l] >= 0 {
			return errs.Errorf(errs.ErrInvalidArgument, "more than one row returned by a subquery used as an expression")
		}
		j.lmatch[l] = r
	}
	j.lstate[l] |= lsMatched
	if j.matched.s != nil {
		j.matched.s[r] = 1
	}
	return nil
}

// gatherPairBatch builds the batch of left columns at li and build columns at ri.
func (j *joinOp) gatherPairBatch(li, ri []int32) (arrow.RecordBatch, error) {
	return j.gatherPairsAs(j.pairSchema, li, ri)
}

func (j *joinOp) gatherPairs(li, ri []int32) (arrow.RecordBatch, error) {
	return j.gatherPairsAs(j.schema, li, ri)
}

// gatherPairsAs builds a batch of schema s: the left columns at li, then the build columns at ri.
func (j *joinOp) gatherPairsAs(s *arrow.Schema, li, ri []int32) (arrow.RecordBatch, error) {
	mem := j.env.Alloc
	cols, err := gatherColumns(mem, j.cur.Columns(), li, nil)
	if err != nil {
		return nil, err
	}
	cols, err = gatherColumns(mem, j.build, ri, cols)
	if err != nil {
		return nil, err
	}
	rec := array.NewRecordBatch(s, cols, int64(len(li)))
	releaseArrays(cols)
	return rec, nil
}

// finishBatch produces the per-left-row output of the current batch once its candidates are
// exhausted: unmatched rows of left and full joins, semi/anti/single/mark rows.
func (j *joinOp) finishBatch(ctx context.Context) (arrow.RecordBatch, error) {
	mem := j.env.Alloc
	n := int(j.cur.NumRows())
	st := j.lstate
	switch j.typ {
	case JoinInner, JoinRight:
		return nil, nil
	case JoinLeft, JoinFull:
		j.li, j.ri = j.li[:0], j.ri[:0]
		for i := 0; i < n; i++ {
			if st[i]&lsMatched == 0 {
				j.li = append(j.li, int32(i))
				j.ri = append(j.ri, -1)
			}
		}
		if len(j.li) == 0 {
			return nil, nil
		}
		return j.gatherPairs(j.li, j.ri)
	case JoinSingle:
		j.li = j.li[:0]
		for i := 0; i < n; i++ {
			j.li = append(j.li, int32(i))
		}
		return j.gatherPairs(j.li, j.lmatch)
	case JoinSemi, JoinAnti:
		want := j.typ == JoinSemi
		j.li = j.li[:0]
		for i := 0; i < n; i++ {
			if (st[i]&lsMatched != 0) == want {
				j.li = append(j.li, int32(i))
			}
		}
		if len(j.li) == 0 {
			return nil, nil
		}
		if len(j.li) == n {
			return array.NewRecordBatch(j.schema, j.cur.Columns(), int64(n)), nil
		}
		cols, err := gatherColumns(mem, j.cur.Columns(), j.li, nil)
		if err != nil {
			return nil, err
		}
		rec := array.NewRecordBatch(j.schema, cols, int64(len(j.li)))
		releaseArrays(cols)
		return rec, nil
	case JoinMark:
		if j.hash && j.nbuild > 0 {
			if err := j.markNulls(ctx); err != nil {
				return nil, err
			}
		}
		vals := make([]uint8, n)
		valid := make([]uint8, n)
		for i := 0; i < n; i++ {
			switch {
			case st[i]&lsMatched != 0:
				vals[i], valid[i] = 1, 1
			case st[i]&lsNull == 0:
				valid[i] = 1
			}
		}
		mark := buildBools(mem, vals, valid)
		cols := append(append([]arrow.Array(nil), j.cur.Columns()...), mark)
		rec := array.NewRecordBatch(j.schema, cols, int64(n))
		mark.Release()
		return rec, nil
	}
	return nil, nil
}

// markNulls decides, for the unmatched rows of a hash mark join, whether some comparison was
// NULL: the left row has a NULL key (compared with every build row) or the build side has rows
// with a NULL key. With a join filter the pair only counts if the filter is not FALSE.
func (j *joinOp) markNulls(ctx context.Context) error {
	n := int(j.cur.NumRows())
	leftNull := func(i int) bool {
		for k, c := range j.lk {
			if !j.nullEq[k] && j.cur.Column(c).IsNull(i) {
				return true
			}
		}
		return false
	}
	// With several keys, a pair whose comparison is NULL on one key still fails when another
	// key compares FALSE: the build row belongs to another correlation value (found by
	// difffuzz: x NOT IN (SELECT k FROM t WHERE t.c = outer.c) with x NULL and no t row for
	// outer.c is TRUE, not NULL).
	others := func(i int, r int32) bool {
		for k, c := range j.lk {
			lc, rc := j.cur.Column(c), j.build[j.rk[k]]
			ln, rn := lc.IsNull(i), rc.IsNull(int(r))
			switch {
			case ln && rn:
				continue
			case ln || rn:
				if j.nullEq[k] {
					return false
				}
				continue
			}
			if lc.ValueStr(i) != rc.ValueStr(int(r)) {
				return false
			}
		}
		return true
	}
	var cand []int32
	for i := 0; i < n; i++ {
		if j.lstate[i] != 0 {
			continue
		}
		ln := leftNull(i)
		if !ln && len(j.nullRows) == 0 {
			continue
		}
		if j.filter == nil && len(j.lk) <= 1 {
			j.lstate[i] |= lsNull
			continue
		}
		// the pairs whose key comparison is NULL
		cand = cand[:0]
		if ln {
			for r := 0; r < j.nbuild; r++ {
				if len(j.lk) <= 1 || others(i, int32(r)) {
					cand = append(cand, int32(r))
				}
			}
		} else {
			for _, r := range j.nullRows {
				if len(j.lk) <= 1 || others(i, r) {
					cand = append(cand, r)
				}
			}
		}
		if j.filter == nil {
			if len(cand) > 0 {
				j.lstate[i] |= lsNull
			}
			continue
		}
		// Evaluate the filter over those pairs.
		const chunk = 4096
		for start := 0; start < len(cand) && j.lstate[i]&lsNull == 0; start += chunk {
			end := min(start+chunk, len(cand))
			li, ri := j.li[:0], j.ri[:0]
			for _, r := range cand[start:end] {
				li = append(li, int32(i))
				ri = append(ri, r)
			}
			j.li, j.ri = li, ri
			pb, err := j.gatherPairBatch(li, ri)
			if err != nil {
				return err
			}
			mask, err := j.filter.Eval(ctx, pb, j.env.Alloc)
			pb.Release()
			if err != nil {
				return err
			}
			for k := 0; k < mask.Len(); k++ {
				if mask.IsNull(k) || mask.(*array.Boolean).Value(k) {
					j.lstate[i] |= lsNull
					break
				}
			}
			mask.Release()
		}
	}
	return nil
}

// emitUnmatched returns the build rows no probe row matched (right and full joins).
func (j *joinOp) emitUnmatched() (arrow.RecordBatch, error) {
	if j.typ != JoinRight && j.typ != JoinFull {
		return nil, io.EOF
	}
	size := j.env.Size()
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
	mem := j.env.Alloc
	ls := j.left.Schema()
	cols := make([]arrow.Array, 0, j.schema.NumFields())
	for _, f := range ls.Fields() {
		cols = append(cols, array.MakeArrayOfNull(mem, f.Type, len(j.ri)))
	}
	cols, err := gatherColumns(mem, j.build, j.ri, cols)
	if err != nil {
		return nil, err
	}
	rec := array.NewRecordBatch(j.schema, cols, int64(len(j.ri)))
	releaseArrays(cols)
	return j.count(rec), nil
}

func (j *joinOp) Close() error { return j.CloseOnce(j.release) }

// release frees what the operator holds and closes its inputs (once, opened or not).
func (j *joinOp) release() error {
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
