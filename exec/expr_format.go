package exec

import (
	"fmt"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// Format builds PostgreSQL's formatting functions, picked by the first argument's type:
// to_char(timestamp | timestamptz | interval | integer | numeric | float, template),
// to_number(text, template), to_date(text, template), to_timestamp(text, template) and
// to_timestamp(double precision). The binder has given to_number its numeric result type
// (scale from the template) and brought the other arguments to these types.
func Format(name string) Builder {
	return func(args []Expr, out arrow.DataType) (Expr, error) {
		k, out, err := formatKernel(name, args, out)
		return newCall(name, args, out, k, err)
	}
}

func formatKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	if name == "to_timestamp" && len(args) == 1 {
		tsTZ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		return rowKernel(tsTZ, true, func(a *rowArgs, i int, w *rowWriter) error {
			us, err := toTimestampEpoch(a.f64(0, i))
			if err != nil {
				return err
			}
			w.int(i, us)
			return nil
		}), tsTZ, nil
	}
	if err := argsAre(args, 2, 2, name); err != nil {
		return nil, nil, err
	}
	in := args[0].Type()
	switch name {
	case "to_char":
		return toCharKernel(in)
	case "to_number":
		o, ok := out.(*arrow.Decimal128Type)
		if !ok {
			return nil, nil, notSupportedf("to_number -> %s", out)
		}
		var c numFormatCache
		return rowKernel(o, true, func(a *rowArgs, i int, w *rowWriter) error {
			d, err := c.get(string(a.str(1, i)))
			if err != nil {
				return err
			}
			u, sc, err := toNumber(string(a.str(0, i)), d)
			if err != nil {
				return err
			}
			v, ok := bigToDecFit(u, sc, o.Precision, o.Scale)
			if !ok {
				return invalidf("numeric field overflow")
			}
			w.decimal(i, v)
			return nil
		}), o, nil
	case "to_date":
		return rowKernel(arrow.FixedWidthTypes.Date32, true, func(a *rowArgs, i int, w *rowWriter) error {
			d, err := toDate(string(a.str(0, i)), string(a.str(1, i)))
			if err != nil {
				return err
			}
			w.int(i, d)
			return nil
		}), arrow.FixedWidthTypes.Date32, nil
	case "to_timestamp":
		tsTZ := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		return rowKernel(tsTZ, true, func(a *rowArgs, i int, w *rowWriter) error {
			us, err := toTimestampFmt(string(a.str(0, i)), string(a.str(1, i)))
			if err != nil {
				return err
			}
			w.int(i, us)
			return nil
		}), tsTZ, nil
	}
	return nil, nil, notSupportedf("formatting function %q", name)
}

// bigToDecFit rescales unscaled*10^-scale to a Decimal128 of scale to (rounding half away from
// zero) and checks its precision.
func bigToDecFit(u *big.Int, scale, p, to int32) (decimal128.Num, bool) {
	v := new(big.Int).Set(u)
	switch {
	case scale > to:
		v = roundHalfAway(v, scale-to)
	case scale < to:
		v.Mul(v, bigPow10(to-scale))
	}
	if new(big.Int).Abs(v).Cmp(bigPow10(p)) >= 0 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(v), true
}

func toCharKernel(in arrow.DataType) (kernel, arrow.DataType, error) {
	text := func(f func(a *rowArgs, i int) (string, error)) kernel {
		return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
			s, err := f(a, i)
			if err != nil {
				return err
			}
			w.textString(i, s)
			return nil
		})
	}
	var c numFormatCache
	num := func(a *rowArgs, i int) (numDesc, error) { return c.get(string(a.str(1, i))) }
	switch in.ID() {
	case arrow.TIMESTAMP:
		tz := in.(*arrow.TimestampType).TimeZone != ""
		return text(func(a *rowArgs, i int) (string, error) {
			return toCharTime(a.i64(0, i), string(a.str(1, i)), tz), nil
		}), strType, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return text(func(a *rowArgs, i int) (string, error) {
			v := a.iv(0, i)
			return toCharInterval(v.Months, v.Days, v.Nanoseconds/1000, string(a.str(1, i)))
		}), strType, nil
	case arrow.INT8, arrow.INT16, arrow.INT32:
		return text(func(a *rowArgs, i int) (string, error) {
			d, err := num(a, i)
			if err != nil {
				return "", err
			}
			return intToChar(a.i64(0, i), d)
		}), strType, nil
	case arrow.INT64:
		// int8_to_char goes through numeric (its EEEE rounds half away from zero)
		return text(func(a *rowArgs, i int) (string, error) {
			d, err := num(a, i)
			if err != nil {
				return "", err
			}
			if d.is(nfEEEE) || d.is(nfRoman) {
				return numericToChar(big.NewInt(a.i64(0, i)), 0, d)
			}
			return intToChar(a.i64(0, i), d)
		}), strType, nil
	case arrow.DECIMAL128:
		sc := in.(*arrow.Decimal128Type).Scale
		return text(func(a *rowArgs, i int) (string, error) {
			d, err := num(a, i)
			if err != nil {
				return "", err
			}
			return numericToChar(a.dec(0, i).BigInt(), sc, d)
		}), strType, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		digs := 15
		if in.ID() == arrow.FLOAT32 {
			digs = 6
		}
		return text(func(a *rowArgs, i int) (string, error) {
			d, err := num(a, i)
			if err != nil {
				return "", err
			}
			return floatToChar(a.f64(0, i), digs, d)
		}), strType, nil
	}
	return nil, nil, notSupportedf("to_char(%s)", pgTypeName(in))
}

// toCharInterval is to_char(interval, template): the interval's fields as PostgreSQL's
// interval2tm splits them (years and months from the months, days, then hours that may
// exceed 24); names of months and days have no meaning for an interval.
func toCharInterval(months, days int32, us int64, f string) (string, error) {
	year, mon := int(months/12), int(months%12)
	hour := int(us / 3600e6)
	rem := us % 3600e6
	min, sec, frac := int(rem/60e6), int(rem%60e6/1e6), int(rem%1e6)
	fm := false
	num := func(v, width int) string {
		if fm {
			return strconv.Itoa(v)
		}
		if v < 0 {
			width++
		}
		return fmt.Sprintf("%0*d", width, v)
	}
	h12 := hour % 12
	if h12 == 0 {
		h12 = 12
	}
	var bad string
	invalid := func(p string) func(string) (string, int) {
		return func(string) (string, int) {
			if bad == "" {
				bad = p
			}
			return "", -1
		}
	}
	pats := []tcPat{
		{"HH24", func(string) (string, int) { return num(hour, 2), hour }},
		{"HH12", func(string) (string, int) { return num(h12, 2), h12 }},
		{"HH", func(string) (string, int) { return num(h12, 2), h12 }},
		{"MI", func(string) (string, int) { return num(min, 2), min }},
		{"SSSSS", func(string) (string, int) { s := hour*3600 + min*60 + sec; return strconv.Itoa(s), s }},
		{"SSSS", func(string) (string, int) { s := hour*3600 + min*60 + sec; return strconv.Itoa(s), s }},
		{"SS", func(string) (string, int) { return num(sec, 2), sec }},
		{"MS", func(string) (string, int) { return num(frac/1000, 3), frac / 1000 }},
		{"US", func(string) (string, int) { return num(frac, 6), frac }},
		{"YYYY", func(string) (string, int) { return num(year, 4), year }},
		{"YYY", func(string) (string, int) { return num(year%1000, 3), year % 1000 }},
		{"YY", func(string) (string, int) { return num(year%100, 2), year % 100 }},
		{"Y", func(string) (string, int) { return num(year%10, 1), year % 10 }},
		{"MM", func(string) (string, int) { return num(mon, 2), mon }},
		{"DD", func(string) (string, int) { return num(int(days), 2), int(days) }},
		{"DAY", invalid("DAY")}, {"Day", invalid("Day")}, {"day", invalid("day")},
		{"DY", invalid("DY")}, {"Dy", invalid("Dy")}, {"dy", invalid("dy")},
		{"D", invalid("D")},
	}
	s := renderTemplate(f, pats, &fm)
	if bad != "" {
		return "", invalidf("invalid format specification for an interval value")
	}
	return s, nil
}
