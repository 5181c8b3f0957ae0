package exec

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Cast converts its input to another type with PostgreSQL's rules: integers and numerics
// round (floats to nearest even, numerics half away from zero), out-of-range values and bad
// text are errors, and text renders values as PostgreSQL prints them.
type Cast struct {
	in Expr
	to arrow.DataType
	k  kernel
}

// NewCast returns in cast to type to. A cast to the same type returns in itself.
func NewCast(in Expr, to arrow.DataType) (Expr, error) {
	from := in.Type()
	if arrow.TypeEqual(from, to) {
		return in, nil
	}
	k, err := castKernel(from, to)
	if err != nil {
		return nil, err
	}
	return &Cast{in: in, to: to, k: k}, nil
}

func (c *Cast) Type() arrow.DataType { return c.to }
func (c *Cast) String() string       { return fmt.Sprintf("CAST(%s AS %s)", c.in, c.to) }

func (c *Cast) Eval(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	o, err := evalOperand(ctx, c.in, b, mem)
	if err != nil {
		return nil, err
	}
	defer o.release()
	return c.k(ctx, []operand{o}, int(b.NumRows()), mem)
}

type family uint8

const (
	famOther family = iota
	famNull
	famBool
	famInt
	famFloat
	famDec
	famStr
	famDate
	famTs
	famIval // interval: cast to text only
)

func familyOf(dt arrow.DataType) family {
	switch dt.ID() {
	case arrow.NULL:
		return famNull
	case arrow.BOOL:
		return famBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return famInt
	case arrow.FLOAT32, arrow.FLOAT64:
		return famFloat
	case arrow.DECIMAL128:
		return famDec
	case arrow.STRING:
		return famStr
	case arrow.DATE32:
		return famDate
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).Unit == arrow.Microsecond {
			return famTs
		}
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return famIval
	}
	return famOther
}

// pgTypeName names an Arrow type as PostgreSQL does, for error messages.
func pgTypeName(dt arrow.DataType) string {
	switch dt.ID() {
	case arrow.BOOL:
		return "boolean"
	case arrow.INT8, arrow.INT16:
		return "smallint"
	case arrow.INT32:
		return "integer"
	case arrow.INT64:
		return "bigint"
	case arrow.FLOAT32:
		return "real"
	case arrow.FLOAT64:
		return "double precision"
	case arrow.DECIMAL128:
		return "numeric"
	case arrow.STRING:
		return "text"
	case arrow.DATE32:
		return "date"
	case arrow.TIMESTAMP:
		if dt.(*arrow.TimestampType).TimeZone != "" {
			return "timestamp with time zone"
		}
		return "timestamp without time zone"
	}
	return dt.String()
}

// rowFn converts row i (valid) of the source into the destination writer.
func castKernel(from, to arrow.DataType) (kernel, error) {
	if from.ID() == arrow.LIST || to.ID() == arrow.LIST {
		return arrayCastKernel(from, to) // expr_array.go
	}
	ff, tf := familyOf(from), familyOf(to)
	if ff == famOther || tf == famOther || tf == famNull {
		return nil, notSupportedf("cast from %s to %s", from, to)
	}
	if ff == famNull {
		return func(_ context.Context, _ []operand, n int, mem memory.Allocator) (arrow.Array, error) {
			return array.MakeArrayOfNull(mem, to, n), nil
		}, nil
	}
	ok := false
	switch tf {
	case famStr:
		ok = true
	case famBool:
		ok = ff == famInt || ff == famStr || ff == famBool
	case famInt, famFloat, famDec:
		ok = ff == famInt || ff == famFloat || ff == famDec || ff == famStr || (ff == famBool && tf == famInt)
	case famDate:
		ok = ff == famStr || ff == famTs || ff == famDate
	case famTs:
		ok = ff == famStr || ff == famTs || ff == famDate
	case famIval:
		ok = ff == famStr // ParseInterval, the parser the planner's literals use
	}
	if !ok {
		return nil, notSupportedf("cannot cast type %s to %s", pgTypeName(from), pgTypeName(to))
	}
	return func(_ context.Context, ops []operand, n int, mem memory.Allocator) (arrow.Array, error) {
		o := ops[0]
		if o.allNull() {
			return array.MakeArrayOfNull(mem, to, n), nil
		}
		validity, nulls := validityOf(mem, n, o)
		a, err := castRows(o, from, to, ff, tf, n, bitsOf(validity), mem)
		if err != nil {
			if validity != nil {
				validity.Release()
			}
			return nil, err
		}
		return a.finish(to, n, validity, nulls, mem), nil
	}, nil
}

// castResult holds converted values before they become an array.
type castResult struct {
	ints  []int64
	flts  []float64
	decs  []decimal128.Num
	bools []bool
	strs  *strOut
	ivs   []arrow.MonthDayNanoInterval
}

func (r *castResult) finish(to arrow.DataType, n int, validity *memory.Buffer, nulls int, mem memory.Allocator) arrow.Array {
	switch {
	case r.strs != nil:
		return r.strs.finish(mem, validity, nulls)
	case r.ivs != nil:
		buf, out := newFixed[arrow.MonthDayNanoInterval](mem, n)
		copy(out, r.ivs)
		return makeFixed(to, n, validity, buf, nulls)
	case r.bools != nil:
		values := newBitmap(mem, n)
		vb := values.Bytes()
		for i, v := range r.bools {
			if v {
				bitutil.SetBit(vb, i)
			}
		}
		return makeBool(n, validity, values, nulls)
	case r.decs != nil:
		buf, out := newFixed[decimal128.Num](mem, n)
		copy(out, r.decs)
		return makeFixed(to, n, validity, buf, nulls)
	case r.flts != nil:
		if to.ID() == arrow.FLOAT32 {
			buf, out := newFixed[float32](mem, n)
			for i, v := range r.flts {
				out[i] = float32(v)
			}
			return makeFixed(to, n, validity, buf, nulls)
		}
		buf, out := newFixed[float64](mem, n)
		copy(out, r.flts)
		return makeFixed(to, n, validity, buf, nulls)
	}
	switch to.ID() {
	case arrow.INT8:
		return finishInts[int8](r.ints, to, n, validity, nulls, mem)
	case arrow.INT16:
		return finishInts[int16](r.ints, to, n, validity, nulls, mem)
	case arrow.INT32, arrow.DATE32:
		return finishInts[int32](r.ints, to, n, validity, nulls, mem)
	}
	return finishInts[int64](r.ints, to, n, validity, nulls, mem)
}

func finishInts[T anyInt](v []int64, to arrow.DataType, n int, validity *memory.Buffer, nulls int, mem memory.Allocator) arrow.Array {
	buf, out := newFixed[T](mem, n)
	for i, x := range v {
		out[i] = T(x)
	}
	return makeFixed(to, n, validity, buf, nulls)
}

func intRange(dt arrow.DataType) (int64, int64) {
	switch dt.ID() {
	case arrow.INT8:
		return math.MinInt8, math.MaxInt8
	case arrow.INT16:
		return math.MinInt16, math.MaxInt16
	case arrow.INT32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

const usPerDay = 86400 * 1000000

func castRows(o operand, from, to arrow.DataType, ff, tf family, n int, vb []byte, mem memory.Allocator) (*castResult, error) {
	r := &castResult{}
	s := o.stride()
	if tf == famStr {
		r.strs = newStrOut(n, n*8)
		format := formatter(o.arr, from)
		var buf []byte
		for i := 0; i < n; i++ {
			if !rowValid(vb, i) {
				r.strs.empty()
				continue
			}
			buf = format(buf[:0], i*s)
			r.strs.add(buf)
		}
		return r, nil
	}
	if ff == famStr {
		return parseRows(o, to, tf, n, vb)
	}
	switch tf {
	case famInt:
		lo, hi := intRange(to)
		rangeErr := invalidf("%s", intRangeMsg(to.ID()))
		r.ints = make([]int64, n)
		switch ff {
		case famInt:
			get := intsAsInt64(o, n)
			for i := range r.ints {
				x := get(i)
				if (x < lo || x > hi) && rowValid(vb, i) {
					return nil, rangeErr
				}
				r.ints[i] = x
			}
		case famBool:
			bits, off := boolBits(o.arr)
			for i := range r.ints {
				if bitutil.BitIsSet(bits, off+i*s) {
					r.ints[i] = 1
				}
			}
		case famFloat:
			get := floatsAsF64(o)
			for i := range r.ints {
				if !rowValid(vb, i) {
					continue
				}
				f := math.RoundToEven(get(i))
				if math.IsNaN(f) || f < float64(lo) || f >= -float64(math.MinInt64) || f > float64(hi) {
					return nil, rangeErr
				}
				r.ints[i] = int64(f)
			}
		case famDec:
			sc := from.(*arrow.Decimal128Type).Scale
			v := vals[decimal128.Num](o.arr)
			for i := range r.ints {
				if !rowValid(vb, i) {
					continue
				}
				d, ok := decRescale(v[i*s], sc, 38, 0)
				x, ok2 := decI64(d)
				if !ok || !ok2 || x < lo || x > hi {
					return nil, rangeErr
				}
				r.ints[i] = x
			}
		}
	case famFloat:
		r.flts = make([]float64, n)
		switch ff {
		case famInt:
			get := intsAsInt64(o, n)
			for i := range r.flts {
				r.flts[i] = float64(get(i))
			}
		case famFloat:
			get := floatsAsF64(o)
			for i := range r.flts {
				f := get(i)
				if to.ID() == arrow.FLOAT32 && !math.IsInf(f, 0) && math.IsInf(float64(float32(f)), 0) && rowValid(vb, i) {
					return nil, invalidf("value out of range: overflow")
				}
				r.flts[i] = f
			}
		case famDec:
			sc := from.(*arrow.Decimal128Type).Scale
			v := vals[decimal128.Num](o.arr)
			for i := range r.flts {
				if rowValid(vb, i) {
					f, _ := strconv.ParseFloat(string(formatDecimal(nil, v[i*s], sc)), 64)
					r.flts[i] = f
				}
			}
		}
	case famDec:
		dt := to.(*arrow.Decimal128Type)
		r.decs = make([]decimal128.Num, n)
		switch ff {
		case famInt:
			get := intsAsInt64(o, n)
			for i := range r.decs {
				if !rowValid(vb, i) {
					continue
				}
				d, ok := decRescale(decimal128.FromI64(get(i)), 0, dt.Precision, dt.Scale)
				if !ok {
					return nil, errNumericOverflow
				}
				r.decs[i] = d
			}
		case famFloat:
			get := floatsAsF64(o)
			digits := 15
			if from.ID() == arrow.FLOAT32 {
				digits = 6
			}
			for i := range r.decs {
				if !rowValid(vb, i) {
					continue
				}
				f := get(i)
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return nil, invalidf("cannot convert %s to numeric", formatFloat(nil, f, 64))
				}
				d, ok := parseDecimalTo(strconv.FormatFloat(f, 'g', digits, 64), dt.Precision, dt.Scale)
				if !ok {
					return nil, errNumericOverflow
				}
				r.decs[i] = d
			}
		case famDec:
			sc := from.(*arrow.Decimal128Type).Scale
			v := vals[decimal128.Num](o.arr)
			for i := range r.decs {
				if !rowValid(vb, i) {
					continue
				}
				d, ok := decRescale(v[i*s], sc, dt.Precision, dt.Scale)
				if !ok {
					return nil, errNumericOverflow
				}
				r.decs[i] = d
			}
		}
	case famBool:
		r.bools = make([]bool, n)
		switch ff {
		case famInt:
			get := intsAsInt64(o, n)
			for i := range r.bools {
				r.bools[i] = get(i) != 0
			}
		case famBool:
			bits, off := boolBits(o.arr)
			for i := range r.bools {
				r.bools[i] = bitutil.BitIsSet(bits, off+i*s)
			}
		}
	case famDate:
		r.ints = make([]int64, n)
		switch ff {
		case famDate:
			v := vals[int32](o.arr)
			for i := range r.ints {
				r.ints[i] = int64(v[i*s])
			}
		case famTs:
			v := vals[int64](o.arr)
			for i := range r.ints {
				r.ints[i] = floorDiv(v[i*s], usPerDay)
			}
		}
	case famTs:
		r.ints = make([]int64, n)
		switch ff {
		case famDate:
			v := vals[int32](o.arr)
			for i := range r.ints {
				r.ints[i] = int64(v[i*s]) * usPerDay
			}
		case famTs:
			v := vals[int64](o.arr)
			for i := range r.ints {
				r.ints[i] = v[i*s]
			}
		}
	}
	return r, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floatsAsF64(o operand) func(int) float64 {
	s := o.stride()
	if o.arr.DataType().ID() == arrow.FLOAT32 {
		v := vals[float32](o.arr)
		return func(i int) float64 { return float64(v[i*s]) }
	}
	v := vals[float64](o.arr)
	return func(i int) float64 { return v[i*s] }
}

// ---------------------------------------------------------------------------------------
// Text input

func badInput(to arrow.DataType, s string) error {
	return invalidf("invalid input syntax for type %s: %q", pgTypeName(to), s)
}

func parseRows(o operand, to arrow.DataType, tf family, n int, vb []byte) (*castResult, error) {
	r := &castResult{}
	off, data := strData(o.arr)
	st := o.stride()
	switch tf {
	case famInt:
		r.ints = make([]int64, n)
	case famFloat:
		r.flts = make([]float64, n)
	case famDec:
		r.decs = make([]decimal128.Num, n)
	case famBool:
		r.bools = make([]bool, n)
	case famDate, famTs:
		r.ints = make([]int64, n)
	case famIval:
		r.ivs = make([]arrow.MonthDayNanoInterval, n)
	}
	for i := 0; i < n; i++ {
		if !rowValid(vb, i) {
			continue
		}
		raw := string(strAt(off, data, i, st))
		s := strings.TrimSpace(raw)
		switch tf {
		case famInt:
			x, err := strconv.ParseInt(s, 10, 64)
			lo, hi := intRange(to)
			if err != nil {
				if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
					return nil, invalidf("value %q is out of range for type %s", raw, pgTypeName(to))
				}
				return nil, badInput(to, raw)
			}
			if x < lo || x > hi {
				return nil, invalidf("value %q is out of range for type %s", raw, pgTypeName(to))
			}
			r.ints[i] = x
		case famFloat:
			f, err := parseFloat(s, to.ID() == arrow.FLOAT32)
			if err != nil {
				if err == strconv.ErrRange {
					return nil, invalidf("%q is out of range for type %s", raw, pgTypeName(to))
				}
				return nil, badInput(to, raw)
			}
			r.flts[i] = f
		case famDec:
			dt := to.(*arrow.Decimal128Type)
			v, sc, ok := parseDecimal(s)
			if !ok {
				return nil, badInput(to, raw)
			}
			d, ok := bigToDec(rescaleBig(v, sc, dt.Scale), dt.Precision)
			if !ok {
				return nil, errNumericOverflow
			}
			r.decs[i] = d
		case famBool:
			b, ok := parseBool(s)
			if !ok {
				return nil, badInput(to, raw)
			}
			r.bools[i] = b
		case famDate:
			d, ok := parseDate(s)
			if !ok {
				return nil, badInput(to, raw)
			}
			r.ints[i] = d
		case famTs:
			ts, ok := parseTimestamp(s, to.(*arrow.TimestampType).TimeZone != "")
			if !ok {
				return nil, badInput(to, raw)
			}
			r.ints[i] = ts
		case famIval:
			m, d, us, err := ParseInterval(raw, "")
			if err != nil {
				return nil, err
			}
			r.ivs[i] = arrow.MonthDayNanoInterval{Months: m, Days: d, Nanoseconds: us * 1000}
		}
	}
	return r, nil
}

func parseFloat(s string, single bool) (float64, error) {
	switch strings.ToLower(s) {
	case "infinity", "inf", "+infinity", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	}
	bits := 64
	if single {
		bits = 32
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok {
			return 0, ne.Err
		}
		return 0, err
	}
	return f, nil
}

// parseDecimal parses [+-]digits[.digits][e[+-]digits] into an integer and a scale.
func parseDecimal(s string) (*big.Int, int32, bool) {
	if s == "" {
		return nil, 0, false
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	exp := 0
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		e, err := strconv.Atoi(s[k+1:])
		if err != nil || e > 1000 || e < -1000 {
			return nil, 0, false
		}
		exp = e
		s = s[:k]
	}
	intPart, frac := s, ""
	if k := strings.IndexByte(s, '.'); k >= 0 {
		intPart, frac = s[:k], s[k+1:]
	}
	if intPart == "" && frac == "" {
		return nil, 0, false
	}
	digits := intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, 0, false
		}
	}
	v, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, 0, false
	}
	if neg {
		v.Neg(v)
	}
	scale := int32(len(frac) - exp)
	if scale < 0 {
		v.Mul(v, bigPow10(-scale))
		scale = 0
	}
	return v, scale, true
}

func parseDecimalTo(s string, p, sc int32) (decimal128.Num, bool) {
	v, scale, ok := parseDecimal(s)
	if !ok {
		return decimal128.Num{}, false
	}
	return bigToDec(rescaleBig(v, scale, sc), p)
}

func parseBool(s string) (bool, bool) {
	l := strings.ToLower(s)
	if l == "" {
		return false, false
	}
	prefixOf := func(word string) bool { return strings.HasPrefix(word, l) }
	switch {
	case l == "1":
		return true, true
	case l == "0":
		return false, true
	case prefixOf("true"), prefixOf("yes"):
		return true, true
	case prefixOf("false"), prefixOf("no"):
		return false, true
	case len(l) >= 2 && prefixOf("on"):
		return true, true
	case len(l) >= 2 && prefixOf("off"):
		return false, true
	}
	return false, false
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if (y%4 == 0 && y%100 != 0) || y%400 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseDateParts reads YYYY-MM-DD at the start of s and returns the rest.
func parseDateParts(s string) (int64, string, bool) {
	k := strings.IndexByte(s, '-')
	if k <= 0 || len(s) < k+6 {
		return 0, "", false
	}
	y, err1 := strconv.ParseInt(s[:k], 10, 64)
	rest := s[k+1:]
	j := strings.IndexByte(rest, '-')
	if j <= 0 {
		return 0, "", false
	}
	m, err2 := strconv.ParseInt(rest[:j], 10, 64)
	rest = rest[j+1:]
	e := 0
	for e < len(rest) && rest[e] >= '0' && rest[e] <= '9' {
		e++
	}
	d, err3 := strconv.ParseInt(rest[:e], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, "", false
	}
	return daysFromCivil(y, m, d), rest[e:], true
}

func parseDate(s string) (int64, bool) {
	days, rest, ok := parseDateParts(s)
	if !ok {
		return 0, false
	}
	if rest != "" {
		// PostgreSQL accepts and ignores a time part in date input.
		if _, ok := parseTimeOfDay(strings.TrimLeft(rest, " T"), true); !ok {
			return 0, false
		}
	}
	if days < minDateDays || days > maxDateDays {
		return 0, false
	}
	return days, true
}

// parseTimeOfDay parses HH:MM[:SS[.ffffff]][zone] and returns microseconds since midnight,
// adjusted to UTC by the zone when tz is set.
func parseTimeOfDay(s string, tz bool) (int64, bool) {
	if s == "" {
		return 0, true
	}
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == ':' || s[end] == '.') {
		end++
	}
	clock, zone := s[:end], strings.TrimSpace(s[end:])
	parts := strings.Split(clock, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || h < 0 || h > 24 || mi < 0 || mi > 59 {
		return 0, false
	}
	var us int64
	if len(parts) == 3 {
		sec := parts[2]
		frac := ""
		if k := strings.IndexByte(sec, '.'); k >= 0 {
			sec, frac = sec[:k], sec[k+1:]
		}
		sv, err := strconv.Atoi(sec)
		if err != nil || sv < 0 || sv > 60 {
			return 0, false
		}
		us = int64(sv) * 1000000
		if frac != "" {
			for len(frac) < 7 {
				frac += "0"
			}
			f, err := strconv.Atoi(frac[:7])
			if err != nil {
				return 0, false
			}
			us += int64((f + 5) / 10) // round to microseconds
		}
	}
	us += (int64(h)*60 + int64(mi)) * 60 * 1000000
	if zone != "" {
		offset, ok := parseZone(zone)
		if !ok {
			return 0, false
		}
		if tz {
			us -= offset
		}
	}
	return us, true
}

// parseZone parses Z, UTC, GMT, +HH, +HH:MM, +HHMM into microseconds east of UTC.
func parseZone(z string) (int64, bool) {
	switch strings.ToUpper(z) {
	case "Z", "UTC", "GMT":
		return 0, true
	}
	if z[0] != '+' && z[0] != '-' {
		return 0, false
	}
	sign := int64(1)
	if z[0] == '-' {
		sign = -1
	}
	body := strings.ReplaceAll(z[1:], ":", "")
	if len(body) != 2 && len(body) != 4 {
		return 0, false
	}
	h, err := strconv.Atoi(body[:2])
	if err != nil {
		return 0, false
	}
	m := 0
	if len(body) == 4 {
		if m, err = strconv.Atoi(body[2:]); err != nil {
			return 0, false
		}
	}
	return sign * int64(h*60+m) * 60 * 1000000, true
}

func parseTimestamp(s string, tz bool) (int64, bool) {
	days, rest, ok := parseDateParts(s)
	if !ok {
		return 0, false
	}
	rest = strings.TrimLeft(rest, " T")
	tod, ok := parseTimeOfDay(rest, tz)
	if !ok {
		return 0, false
	}
	return days*usPerDay + tod, true
}

// ---------------------------------------------------------------------------------------
// Text output

// formatter returns a function appending the text form of element j (already strided) of a.
func formatter(a arrow.Array, dt arrow.DataType) func(buf []byte, j int) []byte {
	switch dt.ID() {
	case arrow.BOOL:
		bits, off := boolBits(a)
		return func(buf []byte, j int) []byte {
			if bitutil.BitIsSet(bits, off+j) {
				return append(buf, "true"...)
			}
			return append(buf, "false"...)
		}
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		get := intsAsInt64(operand{arr: a}, a.Len())
		return func(buf []byte, j int) []byte { return strconv.AppendInt(buf, get(j), 10) }
	case arrow.FLOAT32:
		v := vals[float32](a)
		return func(buf []byte, j int) []byte { return formatFloat(buf, float64(v[j]), 32) }
	case arrow.FLOAT64:
		v := vals[float64](a)
		return func(buf []byte, j int) []byte { return formatFloat(buf, v[j], 64) }
	case arrow.DECIMAL128:
		v := vals[decimal128.Num](a)
		sc := dt.(*arrow.Decimal128Type).Scale
		return func(buf []byte, j int) []byte { return append(buf, formatDecimal(nil, v[j], sc)...) }
	case arrow.STRING:
		off, data := strData(a)
		return func(buf []byte, j int) []byte { return append(buf, data[off[j]:off[j+1]]...) }
	case arrow.DATE32:
		v := vals[int32](a)
		return func(buf []byte, j int) []byte { return formatDate(buf, int64(v[j])) }
	case arrow.TIMESTAMP:
		v := vals[int64](a)
		tz := dt.(*arrow.TimestampType).TimeZone != ""
		return func(buf []byte, j int) []byte { return formatTimestamp(buf, v[j], tz) }
	case arrow.INTERVAL_MONTH_DAY_NANO:
		v := vals[arrow.MonthDayNanoInterval](a)
		return func(buf []byte, j int) []byte {
			return AppendInterval(buf, v[j].Months, v[j].Days, v[j].Nanoseconds/1000)
		}
	}
	return func(buf []byte, j int) []byte { return append(buf, a.ValueStr(j)...) }
}

// AppendInterval appends an interval as PostgreSQL's default output style prints it
// ("1 year 2 mons -3 days +04:05:06.5"): the one implementation, which the planner's
// display of interval constants uses too.
func AppendInterval(buf []byte, months, days int32, micros int64) []byte {
	const usPerHour, usPerMin, usPerSec = 3600 * 1000000, 60 * 1000000, 1000000
	start, neg := len(buf), false
	unit := func(n int64, one, many string) {
		if n == 0 {
			return
		}
		if len(buf) > start {
			buf = append(buf, ' ')
		}
		if neg && n > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, n, 10)
		buf = append(buf, ' ')
		if n == 1 {
			buf = append(buf, one...)
		} else {
			buf = append(buf, many...)
		}
		neg = n < 0
	}
	unit(int64(months)/12, "year", "years")
	unit(int64(months)%12, "mon", "mons")
	unit(int64(days), "day", "days")
	if micros != 0 || len(buf) == start {
		if len(buf) > start {
			buf = append(buf, ' ')
		}
		us := micros
		if us < 0 {
			buf = append(buf, '-')
			us = -us
		} else if neg {
			buf = append(buf, '+')
		}
		buf = appendPad(buf, us/usPerHour, 2)
		buf = append(buf, ':')
		buf = appendPad(buf, (us%usPerHour)/usPerMin, 2)
		buf = append(buf, ':')
		buf = appendPad(buf, (us%usPerMin)/usPerSec, 2)
		if frac := us % usPerSec; frac != 0 {
			buf = append(buf, '.')
			f := appendPad(nil, frac, 6)
			for len(f) > 0 && f[len(f)-1] == '0' {
				f = f[:len(f)-1]
			}
			buf = append(buf, f...)
		}
	}
	return buf
}

// formatFloat renders f as PostgreSQL (12+) does: shortest round-trip digits, exponent form
// below 1e-4 or from 1e15 (float4: 1e6).
func formatFloat(buf []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	e := strconv.FormatFloat(f, 'e', -1, bitSize)
	k := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[k+1:])
	limit := 15
	if bitSize == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		return append(buf, e...)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, bitSize)
}

// formatDecimal renders v with exactly scale fractional digits.
func formatDecimal(buf []byte, v decimal128.Num, scale int32) []byte {
	var digits string
	neg := v.Sign() < 0
	if x, ok := decI64(v); ok {
		if x < 0 {
			x = -x
		}
		digits = strconv.FormatInt(x, 10)
	} else {
		digits = new(big.Int).Abs(v.BigInt()).String()
	}
	if neg {
		buf = append(buf, '-')
	}
	if scale <= 0 {
		buf = append(buf, digits...)
		for i := int32(0); i < -scale; i++ {
			buf = append(buf, '0')
		}
		return buf
	}
	for int32(len(digits)) <= scale {
		digits = "0" + digits
	}
	cut := len(digits) - int(scale)
	buf = append(buf, digits[:cut]...)
	buf = append(buf, '.')
	return append(buf, digits[cut:]...)
}

func appendPad(buf []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

func appendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := civilFromDays(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPad(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPad(buf, m, 2)
	buf = append(buf, '-')
	buf = appendPad(buf, d, 2)
	return buf, bc
}

func formatDate(buf []byte, days int64) []byte {
	buf, bc := appendYMD(buf, days)
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func formatTimestamp(buf []byte, us int64, tz bool) []byte {
	days := floorDiv(us, usPerDay)
	tod := us - days*usPerDay
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendPad(buf, tod/3600000000, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, tod/60000000%60, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, tod/1000000%60, 2)
	if frac := tod % 1000000; frac != 0 {
		s := strconv.FormatInt(frac+1000000, 10)[1:]
		buf = append(buf, '.')
		buf = append(buf, strings.TrimRight(s, "0")...)
	}
	if tz {
		buf = append(buf, "+00"...)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}
