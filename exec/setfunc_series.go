package exec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/proto/errs"
)

// NewGenerateSeries is generate_series(start, stop [, step]) producing out: integers (int32,
// int64) and numerics (decimal128, every argument at out's scale) step by 1 unless told,
// timestamps by an interval step. The arguments have out's type (the step: an interval for
// timestamps). A NULL argument gives the empty set, a zero step PostgreSQL's error.
func NewGenerateSeries(out arrow.DataType) (SetFunc, error) {
	switch out.ID() {
	case arrow.INT32, arrow.INT64, arrow.DECIMAL128, arrow.TIMESTAMP:
		return seriesFunc{out: out}, nil
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "generate_series of %s", out)
}

type seriesFunc struct{ out arrow.DataType }

type emptyIter struct{}

func (emptyIter) More() bool           { return false }
func (emptyIter) Append(array.Builder) {}

var errZeroStep = invalidf("step size cannot equal zero")

func (s seriesFunc) Start(args []arrow.Array, row int) (SetIter, error) {
	if len(args) < 2 || len(args) > 3 || (s.out.ID() == arrow.TIMESTAMP && len(args) != 3) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "generate_series with %d arguments", len(args))
	}
	for _, a := range args {
		if a.IsNull(row) {
			return emptyIter{}, nil
		}
	}
	switch s.out.ID() {
	case arrow.INT32, arrow.INT64:
		g0, g1 := intGetter(args[0]), intGetter(args[1])
		step := int64(1)
		if len(args) == 3 {
			step = intGetter(args[2])(row)
		}
		if step == 0 {
			return nil, errZeroStep
		}
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		if s.out.ID() == arrow.INT64 {
			lo, hi = math.MinInt64, math.MaxInt64
		}
		return &intSeries{cur: g0(row), stop: g1(row), step: step, lo: lo, hi: hi, i32: s.out.ID() == arrow.INT32}, nil
	case arrow.DECIMAL128:
		get := func(a arrow.Array) decimal128.Num { return a.(*array.Decimal128).Value(row) }
		step := decimal128.FromI64(1)
		scale := s.out.(*arrow.Decimal128Type).Scale
		step = step.IncreaseScaleBy(scale)
		if len(args) == 3 {
			step = get(args[2])
		}
		if step.Sign() == 0 {
			return nil, errZeroStep
		}
		return &decSeries{cur: get(args[0]), stop: get(args[1]), step: step}, nil
	}
	cur, stop := fixedValues[int64](args[0])[row], fixedValues[int64](args[1])[row]
	iv := fixedValues[arrow.MonthDayNanoInterval](args[2])[row]
	span := int64(iv.Months)*30*usPerDay + int64(iv.Days)*usPerDay + iv.Nanoseconds/1000
	if span == 0 {
		return nil, errZeroStep
	}
	return &tsSeries{cur: cur, stop: stop, step: iv, up: span > 0}, nil
}

type intSeries struct {
	cur, stop, step, lo, hi int64
	i32, done               bool
}

func (s *intSeries) More() bool {
	return !s.done && ((s.step > 0 && s.cur <= s.stop) || (s.step < 0 && s.cur >= s.stop))
}

func (s *intSeries) Append(b array.Builder) {
	if s.i32 {
		b.(*array.Int32Builder).Append(int32(s.cur))
	} else {
		b.(*array.Int64Builder).Append(s.cur)
	}
	next := s.cur + s.step
	// stop before wrapping around or leaving the type's range
	if (s.step > 0 && (next < s.cur || next > s.hi)) || (s.step < 0 && (next > s.cur || next < s.lo)) {
		s.done = true
	}
	s.cur = next
}

type decSeries struct{ cur, stop, step decimal128.Num }

func (s *decSeries) More() bool {
	if s.step.Sign() > 0 {
		return s.cur.LessEqual(s.stop)
	}
	return s.cur.GreaterEqual(s.stop)
}

func (s *decSeries) Append(b array.Builder) {
	b.(*array.Decimal128Builder).Append(s.cur)
	s.cur = s.cur.Add(s.step)
}

type tsSeries struct {
	cur, stop int64
	step      arrow.MonthDayNanoInterval
	up        bool
}

func (s *tsSeries) More() bool {
	if s.up {
		return s.cur <= s.stop
	}
	return s.cur >= s.stop
}

func (s *tsSeries) Append(b array.Builder) {
	b.(*array.TimestampBuilder).Append(arrow.Timestamp(s.cur))
	s.cur = addInterval(s.cur, s.step, 1)
}
