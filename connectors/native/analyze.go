package native

import (
	"context"
	"errors"
	"hash/maphash"
	"io"
	"math"
	"math/bits"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/exec"
)

// Analyze reads every row of t's current snapshot and returns the statistics ANALYZE stores:
// rows, and per column nulls, min/max, an estimate of the distinct values (HyperLogLog, exact
// below a few thousand) and the average width. It does not store them.
func (s *Store) Analyze(ctx context.Context, t catalog.Table) (catalog.TableStats, error) {
	st := catalog.TableStats{Snapshot: t.CurrentSnapshot, AnalyzedAt: time.Now().UTC()}
	n := len(t.Columns)
	accs := make([]prune.Acc, n)
	sketches := make([]*hll, n)
	widths := make([]int64, n)
	for i := range sketches {
		sketches[i] = newHLL()
	}
	files0, err := s.SnapshotDataFiles(ctx, t, t.CurrentSnapshot)
	if err != nil {
		return st, err
	}
	var paths []string
	for _, f := range files0 {
		paths = append(paths, s.abs(f.Path))
	}
	if len(paths) > 0 {
		scan, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: s.alloc()}, Format: files.Parquet, Paths: paths, Schema: FileSchema(t)})
		if err != nil {
			return st, err
		}
		defer scan.Close()
		if err := scan.Open(ctx); err != nil {
			return st, err
		}
		seed := maphash.MakeSeed()
		for {
			b, err := scan.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return st, err
			}
			st.Rows += b.NumRows()
			for c := 0; c < n; c++ {
				col := b.Column(c)
				accs[c].Add(col)
				widths[c] += recBytes1(col)
				for i := 0; i < col.Len(); i++ {
					if v, ok := prune.ValueAt(col, i); ok {
						sketches[c].add(maphash.String(seed, v.Encode()))
					}
				}
			}
			b.Release()
		}
	}
	for c, col := range t.Columns {
		cs := accs[c].Stats()
		sum := catalog.ColumnSummary{Name: col.Name, Nulls: cs.Nulls, Min: cs.Min, Max: cs.Max, Distinct: sketches[c].estimate()}
		if st.Rows > 0 {
			sum.AvgWidth = widths[c] / st.Rows
		}
		st.Columns = append(st.Columns, sum)
	}
	return st, nil
}

// hll is a HyperLogLog sketch with 2^12 registers (about 1.6% standard error); it counts
// exactly while it has seen few distinct hashes.
type hll struct {
	reg   [1 << 12]uint8
	exact map[uint64]struct{}
}

const hllExact = 4096

func newHLL() *hll { return &hll{exact: map[uint64]struct{}{}} }

func (h *hll) add(x uint64) {
	if h.exact != nil {
		h.exact[x] = struct{}{}
		if len(h.exact) > hllExact {
			for k := range h.exact {
				h.addReg(k)
			}
			h.exact = nil
		}
		return
	}
	h.addReg(x)
}

func (h *hll) addReg(x uint64) {
	i := x >> 52
	rank := uint8(bits.LeadingZeros64(x<<12|1<<11) + 1)
	if rank > h.reg[i] {
		h.reg[i] = rank
	}
}

func (h *hll) estimate() int64 {
	if h.exact != nil {
		return int64(len(h.exact))
	}
	m := float64(len(h.reg))
	var sum float64
	zeros := 0
	for _, r := range h.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(e + 0.5)
}
