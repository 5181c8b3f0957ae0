package native

import (
	"context"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/connectors/prune"
)

func (s *Store) alloc() memory.Allocator {
	if s.Alloc != nil {
		return s.Alloc
	}
	return memory.DefaultAllocator
}

// partDir names a partition's directory: readable, with unusual characters replaced (the
// directory is cosmetic; file names are unique by themselves).
func partDir(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '=', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 100 {
			break
		}
	}
	out := b.String()
	if out == "" || out[0] == '.' {
		out = "_" + out
	}
	return out
}

// splitByKey splits rec into one batch per distinct key (keys[i] is row i's): contiguous
// runs become slices, scattered rows are gathered with take.
func splitByKey(ctx context.Context, rec arrow.RecordBatch, keys []string) (map[string]arrow.RecordBatch, error) {
	out := map[string]arrow.RecordBatch{}
	n := len(keys)
	if n == 0 {
		return out, nil
	}
	type run struct{ from, to int }
	runs := map[string][]run{}
	var order []string
	for i := 0; i < n; {
		j := i + 1
		for j < n && keys[j] == keys[i] {
			j++
		}
		if _, ok := runs[keys[i]]; !ok {
			order = append(order, keys[i])
		}
		runs[keys[i]] = append(runs[keys[i]], run{i, j})
		i = j
	}
	release := func() {
		for _, r := range out {
			r.Release()
		}
	}
	for _, k := range order {
		rs := runs[k]
		if len(rs) == 1 {
			out[k] = rec.NewSlice(int64(rs[0].from), int64(rs[0].to))
			continue
		}
		b := array.NewInt64Builder(memory.DefaultAllocator)
		for _, r := range rs {
			for i := r.from; i < r.to; i++ {
				b.Append(int64(i))
			}
		}
		idx := b.NewArray()
		b.Release()
		taken, err := take(ctx, rec, idx)
		idx.Release()
		if err != nil {
			release()
			return nil, err
		}
		out[k] = taken
	}
	return out, nil
}

func take(ctx context.Context, rec arrow.RecordBatch, idx arrow.Array) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		c, err := compute.TakeArray(ctx, rec.Column(i), idx)
		if err != nil {
			for _, x := range cols[:i] {
				x.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(rec.Schema(), cols, int64(idx.Len()))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// concat joins batches of one schema into one.
func concat(schema *arrow.Schema, recs []arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	if len(recs) == 1 && recs[0].NumCols() == 0 {
		recs[0].Retain()
		return recs[0], nil
	}
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	for i := range cols {
		parts := make([]arrow.Array, len(recs))
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, x := range cols[:i] {
				x.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecordBatch(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// sortBatch orders rec by the columns keys, ascending, NULLs last (a stable sort).
func sortBatch(ctx context.Context, rec arrow.RecordBatch, keys []int, mem memory.Allocator) (arrow.RecordBatch, error) {
	n := int(rec.NumRows())
	type colVals struct {
		vals  []prune.Value
		nulls []bool
	}
	cv := make([]colVals, len(keys))
	for k, c := range keys {
		col := rec.Column(c)
		cv[k] = colVals{vals: make([]prune.Value, n), nulls: make([]bool, n)}
		for i := 0; i < n; i++ {
			v, ok := prune.ValueAt(col, i)
			cv[k].vals[i], cv[k].nulls[i] = v, !ok
		}
	}
	idx := make([]int, n)
	sorted := true
	for i := range idx {
		idx[i] = i
	}
	less := func(a, b int) bool {
		for _, c := range cv {
			na, nb := c.nulls[a], c.nulls[b]
			switch {
			case na && nb:
				continue
			case na:
				return false
			case nb:
				return true
			}
			if r := prune.Compare(c.vals[a], c.vals[b]); r != 0 {
				return r < 0
			}
		}
		return false
	}
	for i := 1; i < n && sorted; i++ {
		if less(i, i-1) {
			sorted = false
		}
	}
	if sorted {
		rec.Retain()
		return rec, nil
	}
	sort.SliceStable(idx, func(i, j int) bool { return less(idx[i], idx[j]) })
	b := array.NewInt64Builder(mem)
	for _, i := range idx {
		b.Append(int64(i))
	}
	ia := b.NewArray()
	b.Release()
	defer ia.Release()
	return take(ctx, rec, ia)
}
