package exec

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A small framework for the many PostgreSQL functions that compute row by row: the
// arguments are read through typed accessors chosen once per batch, the body writes one value
// (or NULL) per row into a rowWriter, which builds the output array of the planner's type.

// rowArgs reads the evaluated arguments of one batch.
type rowArgs struct {
	ops  []operand
	strs [][]int32
	data [][]byte
	ints []func(int) int64
	flts []func(int) float64
}

func newRowArgs(ops []operand, n int) *rowArgs {
	r := &rowArgs{ops: ops, strs: make([][]int32, len(ops)), data: make([][]byte, len(ops)),
		ints: make([]func(int) int64, len(ops)), flts: make([]func(int) float64, len(ops))}
	for k, o := range ops {
		switch o.arr.DataType().ID() {
		case arrow.STRING, arrow.BINARY:
			r.strs[k], r.data[k] = strData(o.arr)
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			r.ints[k] = intsAsInt64(o, n)
		case arrow.DATE32:
			v, s := vals[int32](o.arr), o.stride()
			r.ints[k] = func(i int) int64 { return int64(v[i*s]) }
		case arrow.TIMESTAMP, arrow.TIME64:
			v, s := vals[int64](o.arr), o.stride()
			r.ints[k] = func(i int) int64 { return v[i*s] }
		}
		switch o.arr.DataType().ID() {
		case arrow.FLOAT32:
			v, s := vals[float32](o.arr), o.stride()
			r.flts[k] = func(i int) float64 { return float64(v[i*s]) }
		case arrow.FLOAT64:
			v, s := vals[float64](o.arr), o.stride()
			r.flts[k] = func(i int) float64 { return v[i*s] }
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			g := r.ints[k]
			r.flts[k] = func(i int) float64 { return float64(g(i)) }
		case arrow.DECIMAL128:
			v, s := vals[decimal128.Num](o.arr), o.stride()
			sc := o.arr.DataType().(*arrow.Decimal128Type).Scale
			r.flts[k] = func(i int) float64 { return v[i*s].ToFloat64(sc) }
		}
	}
	return r
}

func (r *rowArgs) valid(k, i int) bool  { return r.ops[k].valid(i) }
func (r *rowArgs) str(k, i int) []byte  { return strAt(r.strs[k], r.data[k], i, r.ops[k].stride()) }
func (r *rowArgs) i64(k, i int) int64   { return r.ints[k](i) }
func (r *rowArgs) f64(k, i int) float64 { return r.flts[k](i) }
func (r *rowArgs) dec(k, i int) decimal128.Num {
	return vals[decimal128.Num](r.ops[k].arr)[i*r.ops[k].stride()]
}
func (r *rowArgs) iv(k, i int) arrow.MonthDayNanoInterval {
	return vals[arrow.MonthDayNanoInterval](r.ops[k].arr)[i*r.ops[k].stride()]
}

// rowWriter collects one output value per row.
type rowWriter struct {
	out   arrow.DataType
	valid []uint8
	ints  []int64
	flts  []float64
	decs  []decimal128.Num
	ivs   []arrow.MonthDayNanoInterval
	str   *strOut
	set   bool
}

func newRowWriter(out arrow.DataType, n int) *rowWriter {
	w := &rowWriter{out: out, valid: make([]uint8, n)}
	switch out.ID() {
	case arrow.STRING, arrow.BINARY:
		w.str = newStrOut(n, 16*n)
	case arrow.FLOAT32, arrow.FLOAT64:
		w.flts = make([]float64, n)
	case arrow.DECIMAL128:
		w.decs = make([]decimal128.Num, n)
	case arrow.INTERVAL_MONTH_DAY_NANO:
		w.ivs = make([]arrow.MonthDayNanoInterval, n)
	default:
		w.ints = make([]int64, n)
	}
	return w
}

func (w *rowWriter) int(i int, v int64) { w.ints[i], w.valid[i], w.set = v, 1, true }
func (w *rowWriter) float(i int, v float64) {
	w.flts[i], w.valid[i], w.set = v, 1, true
}
func (w *rowWriter) boolean(i int, v bool) { w.int(i, int64(b2byte(v))) }
func (w *rowWriter) decimal(i int, v decimal128.Num) {
	w.decs[i], w.valid[i], w.set = v, 1, true
}
func (w *rowWriter) interval(i int, v arrow.MonthDayNanoInterval) {
	w.ivs[i], w.valid[i], w.set = v, 1, true
}
func (w *rowWriter) text(i int, v []byte) {
	w.str.add(v)
	w.valid[i], w.set = 1, true
}
func (w *rowWriter) textString(i int, v string) {
	w.str.addString(v)
	w.valid[i], w.set = 1, true
}

// endRow finishes row i: a row the body did not set is NULL.
func (w *rowWriter) endRow() {
	if !w.set && w.str != nil {
		w.str.empty()
	}
	w.set = false
}

func (w *rowWriter) finish(mem memory.Allocator) arrow.Array {
	out := w.out
	switch out.ID() {
	case arrow.STRING, arrow.BINARY:
		vb, nulls := validityFrom(mem, w.valid)
		a := w.str.finish(mem, vb, nulls)
		if out.ID() == arrow.BINARY {
			d := array.NewData(out, a.Len(), a.Data().Buffers(), nil, a.NullN(), 0)
			a.Release()
			defer d.Release()
			return array.MakeFromData(d)
		}
		return a
	case arrow.FLOAT64:
		return buildFixed(mem, out, w.flts, w.valid)
	case arrow.FLOAT32:
		f := make([]float32, len(w.flts))
		for i, v := range w.flts {
			f[i] = float32(v)
		}
		return buildFixed(mem, out, f, w.valid)
	case arrow.DECIMAL128:
		return buildFixed(mem, out, w.decs, w.valid)
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return buildFixed(mem, out, w.ivs, w.valid)
	case arrow.BOOL:
		b := make([]uint8, len(w.ints))
		for i, v := range w.ints {
			b[i] = uint8(v)
		}
		return buildBools(mem, b, w.valid)
	case arrow.INT8:
		return buildFixed(mem, out, narrowInts[int8](w.ints), w.valid)
	case arrow.INT16:
		return buildFixed(mem, out, narrowInts[int16](w.ints), w.valid)
	case arrow.INT32, arrow.DATE32:
		return buildFixed(mem, out, narrowInts[int32](w.ints), w.valid)
	}
	return buildFixed(mem, out, w.ints, w.valid)
}

// rowKernel runs body for every row. With strict, rows where some argument is NULL are NULL
// without calling body.
func rowKernel(out arrow.DataType, strict bool, body func(a *rowArgs, i int, w *rowWriter) error) kernel {
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		if strict {
			if a := allNullResult(ops, out, n, mem); a != nil {
				return a, nil
			}
		}
		a := newRowArgs(ops, n)
		w := newRowWriter(out, n)
		var vb []byte
		var validity *memory.Buffer
		if strict {
			validity, _ = validityOf(mem, n, ops...)
			vb = bitsOf(validity)
		}
		for i := 0; i < n; i++ {
			if rowValid(vb, i) {
				if err := body(a, i, w); err != nil {
					if validity != nil {
						validity.Release()
					}
					return nil, err
				}
			}
			w.endRow()
		}
		if validity != nil {
			validity.Release()
		}
		return w.finish(mem), nil
	}
}

// writeNumber writes a value given scaled by 10^6 (exact) into the output type.
func (w *rowWriter) scaled6(i int, v int64) {
	switch o := w.out.(type) {
	case *arrow.Decimal128Type:
		d, _ := decRescale(decimal128.FromI64(v), 6, 38, o.Scale)
		w.decimal(i, d)
	case *arrow.Float64Type, *arrow.Float32Type:
		w.float(i, float64(v)/1e6)
	default:
		w.int(i, int64(math.Round(float64(v)/1e6)))
	}
}
