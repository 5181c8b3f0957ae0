package exec

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// PostgreSQL date/time functions: extract/date_part, date_trunc, age, and interval arithmetic.
// timestamptz values are UTC (the engine has no session time zone).

const usPerSec = 1_000_000

// literalText returns the text of a string literal argument.
func literalText(e Expr) (string, bool) {
	l, ok := e.(*Literal)
	if !ok || l.IsNull() {
		return "", false
	}
	s, ok := l.Value().(interface{ Value(int) string })
	if !ok {
		return "", false
	}
	return strings.ToLower(s.Value(0)), true
}

// isoWeek returns the ISO 8601 year and week of a day number.
func isoWeek(days int64) (int64, int64) {
	y, _, _ := civilFromDays(days)
	// ISO year starts on the Monday of the week with Jan 4th.
	start := func(y int64) int64 {
		jan4 := daysFromCivil(y, 1, 4)
		dow := floorMod(jan4+3, 7) // 0 = Monday
		return jan4 - dow
	}
	s := start(y + 1)
	if days >= s {
		return y + 1, (days-s)/7 + 1
	}
	s = start(y)
	if days < s {
		s = start(y - 1)
		y--
	}
	return y, (days-s)/7 + 1
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// extractTS returns field of a timestamp (µs) scaled by 10^6, or ok=false for an unknown field.
func extractTS(field string, us int64, isDate bool) (int64, error) {
	days := floorDiv(us, usPerDay)
	tod := us - days*usPerDay
	y, m, d := civilFromDays(days)
	const M = usPerSec
	if isDate {
		switch field {
		case "hour", "minute", "second", "milliseconds", "microseconds", "timezone", "timezone_hour", "timezone_minute":
			return 0, invalidf("unit \"%s\" not supported for type date", field)
		}
	}
	switch field {
	case "year":
		if y <= 0 {
			return (y - 1) * M, nil
		}
		return y * M, nil
	case "isoyear":
		iy, _ := isoWeek(days)
		if iy <= 0 {
			return (iy - 1) * M, nil
		}
		return iy * M, nil
	case "quarter":
		return ((m-1)/3 + 1) * M, nil
	case "month":
		return m * M, nil
	case "week":
		_, w := isoWeek(days)
		return w * M, nil
	case "day":
		return d * M, nil
	case "dow":
		return floorMod(days+4, 7) * M, nil
	case "isodow":
		return (floorMod(days+3, 7) + 1) * M, nil
	case "doy":
		return (days - daysFromCivil(y, 1, 1) + 1) * M, nil
	case "hour":
		return tod / (3600 * usPerSec) * M, nil
	case "minute":
		return tod / (60 * usPerSec) % 60 * M, nil
	case "second":
		return tod % (60 * usPerSec), nil
	case "milliseconds":
		return tod % (60 * usPerSec) * 1000, nil
	case "microseconds":
		return tod % (60 * usPerSec) * M, nil
	case "epoch":
		return us, nil
	case "decade":
		return floorDiv(y, 10) * M, nil
	case "century":
		if y > 0 {
			return ((y + 99) / 100) * M, nil
		}
		return -((99 - (y - 1)) / 100) * M, nil
	case "millennium":
		if y > 0 {
			return ((y + 999) / 1000) * M, nil
		}
		return -((999 - (y - 1)) / 1000) * M, nil
	case "julian":
		return (days+2440588)*M + tod*M/usPerDay, nil
	case "timezone", "timezone_hour", "timezone_minute":
		return 0, nil
	}
	return 0, invalidf("unit \"%s\" not recognized for type timestamp", field)
}

// extractInterval returns field of an interval scaled by 10^6.
func extractInterval(field string, iv arrow.MonthDayNanoInterval) (int64, error) {
	const M = usPerSec
	us := iv.Nanoseconds / 1000
	switch field {
	case "millennium":
		return int64(iv.Months) / 12000 * M, nil
	case "century":
		return int64(iv.Months) / 1200 * M, nil
	case "decade":
		return int64(iv.Months) / 120 * M, nil
	case "year":
		return int64(iv.Months) / 12 * M, nil
	case "quarter":
		return (int64(iv.Months)%12/3 + 1) * M, nil
	case "month":
		return int64(iv.Months) % 12 * M, nil
	case "day":
		return int64(iv.Days) * M, nil
	case "hour":
		return us / (3600 * usPerSec) * M, nil
	case "minute":
		return us / (60 * usPerSec) % 60 * M, nil
	case "second":
		return us % (60 * usPerSec), nil
	case "milliseconds":
		return us % (60 * usPerSec) * 1000, nil
	case "microseconds":
		return us % (60 * usPerSec) * M, nil
	case "epoch":
		years := int64(iv.Months) / 12
		months := int64(iv.Months) % 12
		secs := float64(years)*365.25*86400 + float64(months)*30*86400 + float64(iv.Days)*86400
		return int64(math.Round(secs*M)) + us, nil
	}
	return 0, invalidf("unit \"%s\" not supported for type interval", field)
}

// extractKernel: extract(field, source) / date_part(field, source).
func extractKernel(name string, args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	if len(args) != 2 {
		return nil, nil, invalidf("function %s takes 2 arguments", name)
	}
	field, ok := literalText(args[0])
	if !ok {
		return nil, nil, notSupportedf("%s with a field name that is not a constant", name)
	}
	switch field {
	case "years":
		field = "year"
	case "months", "mon":
		field = "month"
	case "days":
		field = "day"
	case "hours":
		field = "hour"
	case "minutes":
		field = "minute"
	case "seconds":
		field = "second"
	}
	if out == nil {
		if name == "date_part" {
			out = arrow.PrimitiveTypes.Float64
		} else {
			out = &arrow.Decimal128Type{Precision: 38, Scale: 6}
		}
	}
	src := args[1].Type()
	switch src.ID() {
	case arrow.DATE32:
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			v, err := extractTS(field, a.i64(1, i)*usPerDay, true)
			if err != nil {
				return err
			}
			if field == "epoch" {
				// epoch of a date is whole seconds
				v = v / usPerSec * usPerSec
			}
			w.scaled6(i, v)
			return nil
		}), out, nil
	case arrow.TIMESTAMP:
		if src.(*arrow.TimestampType).Unit != arrow.Microsecond {
			return nil, nil, notSupportedf("%s of %s", name, src)
		}
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			v, err := extractTS(field, a.i64(1, i), false)
			if err != nil {
				return err
			}
			w.scaled6(i, v)
			return nil
		}), out, nil
	case arrow.TIME64:
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			us := a.i64(1, i)
			switch field {
			case "hour", "minute", "second", "milliseconds", "microseconds", "epoch":
			default:
				return invalidf("unit \"%s\" not supported for type time without time zone", field)
			}
			v, err := extractInterval(field, arrow.MonthDayNanoInterval{Nanoseconds: us * 1000})
			if err != nil {
				return err
			}
			w.scaled6(i, v)
			return nil
		}), out, nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			v, err := extractInterval(field, a.iv(1, i))
			if err != nil {
				return err
			}
			w.scaled6(i, v)
			return nil
		}), out, nil
	}
	return nil, nil, notSupportedf("%s of %s", name, src)
}

// truncTS truncates a timestamp (µs) to field.
func truncTS(field string, us int64) (int64, error) {
	days := floorDiv(us, usPerDay)
	tod := us - days*usPerDay
	y, m, _ := civilFromDays(days)
	switch field {
	case "microseconds":
		return us, nil
	case "milliseconds":
		return floorDiv(us, 1000) * 1000, nil
	case "second":
		return floorDiv(us, usPerSec) * usPerSec, nil
	case "minute":
		return days*usPerDay + tod/(60*usPerSec)*(60*usPerSec), nil
	case "hour":
		return days*usPerDay + tod/(3600*usPerSec)*(3600*usPerSec), nil
	case "day":
		return days * usPerDay, nil
	case "week":
		return (days - floorMod(days+3, 7)) * usPerDay, nil
	case "month":
		return daysFromCivil(y, m, 1) * usPerDay, nil
	case "quarter":
		return daysFromCivil(y, (m-1)/3*3+1, 1) * usPerDay, nil
	case "year":
		return daysFromCivil(y, 1, 1) * usPerDay, nil
	case "decade":
		return daysFromCivil(floorDiv(y, 10)*10, 1, 1) * usPerDay, nil
	case "century":
		c := floorDiv(y-1, 100)*100 + 1
		return daysFromCivil(c, 1, 1) * usPerDay, nil
	case "millennium":
		c := floorDiv(y-1, 1000)*1000 + 1
		return daysFromCivil(c, 1, 1) * usPerDay, nil
	}
	return 0, invalidf("unit \"%s\" not recognized for type timestamp", field)
}

// dateTruncKernel: date_trunc(field, source) -> timestamp (or the planner's type).
func dateTruncKernel(args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	if len(args) != 2 {
		return nil, nil, invalidf("function date_trunc takes 2 arguments")
	}
	field, ok := literalText(args[0])
	if !ok {
		return nil, nil, notSupportedf("date_trunc with a field name that is not a constant")
	}
	src := args[1].Type()
	if out == nil {
		out = src
		if src.ID() == arrow.DATE32 {
			out = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		}
	}
	switch src.ID() {
	case arrow.DATE32, arrow.TIMESTAMP:
	case arrow.INTERVAL_MONTH_DAY_NANO:
		return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
			iv := a.iv(1, i)
			us := iv.Nanoseconds / 1000
			switch field {
			case "year":
				iv = arrow.MonthDayNanoInterval{Months: iv.Months / 12 * 12}
			case "quarter":
				iv = arrow.MonthDayNanoInterval{Months: iv.Months / 3 * 3}
			case "month":
				iv = arrow.MonthDayNanoInterval{Months: iv.Months}
			case "day":
				iv.Nanoseconds = 0
			case "hour":
				iv.Nanoseconds = us / (3600 * usPerSec) * 3600 * usPerSec * 1000
			case "minute":
				iv.Nanoseconds = us / (60 * usPerSec) * 60 * usPerSec * 1000
			case "second":
				iv.Nanoseconds = us / usPerSec * usPerSec * 1000
			case "milliseconds":
				iv.Nanoseconds = us / 1000 * 1000 * 1000
			case "microseconds":
			default:
				return invalidf("unit \"%s\" not supported for type interval", field)
			}
			w.interval(i, iv)
			return nil
		}), out, nil
	default:
		return nil, nil, notSupportedf("date_trunc of %s", src)
	}
	fromDate := src.ID() == arrow.DATE32
	return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
		us := a.i64(1, i)
		if fromDate {
			us *= usPerDay
		}
		v, err := truncTS(field, us)
		if err != nil {
			return err
		}
		if out.ID() == arrow.DATE32 {
			v = floorDiv(v, usPerDay)
		}
		w.int(i, v)
		return nil
	}), out, nil
}

// tsFields splits µs into civil fields.
type tsFields struct{ y, mo, d, h, mi, s, us int64 }

func splitTS(us int64) tsFields {
	days := floorDiv(us, usPerDay)
	tod := us - days*usPerDay
	y, m, d := civilFromDays(days)
	return tsFields{y, m, d, tod / (3600 * usPerSec), tod / (60 * usPerSec) % 60, tod / usPerSec % 60, tod % usPerSec}
}

// intervalArith: interval ± interval, interval * / number, number * interval, timestamp -
// timestamp, negation.
func intervalArith(op byte, lt, rt, out arrow.DataType) (kernel, arrow.DataType, bool) {
	ivT := arrow.FixedWidthTypes.MonthDayNanoInterval
	lid, rid := lt.ID(), rt.ID()
	isNum := func(id arrow.Type) bool {
		return isIntID(id) || id == arrow.FLOAT32 || id == arrow.FLOAT64 || id == arrow.DECIMAL128
	}
	switch {
	case lid == arrow.INTERVAL_MONTH_DAY_NANO && rid == arrow.INTERVAL_MONTH_DAY_NANO && (op == '+' || op == '-'):
		sign := int64(1)
		if op == '-' {
			sign = -1
		}
		return rowKernel(ivT, true, func(a *rowArgs, i int, w *rowWriter) error {
			x, y := a.iv(0, i), a.iv(1, i)
			m := int64(x.Months) + sign*int64(y.Months)
			d := int64(x.Days) + sign*int64(y.Days)
			if m > math.MaxInt32 || m < math.MinInt32 || d > math.MaxInt32 || d < math.MinInt32 {
				return invalidf("interval out of range")
			}
			w.interval(i, arrow.MonthDayNanoInterval{Months: int32(m), Days: int32(d), Nanoseconds: x.Nanoseconds + sign*y.Nanoseconds})
			return nil
		}), ivT, true
	case lid == arrow.INTERVAL_MONTH_DAY_NANO && isNum(rid) && (op == '*' || op == '/'),
		isNum(lid) && rid == arrow.INTERVAL_MONTH_DAY_NANO && op == '*':
		ivFirst := lid == arrow.INTERVAL_MONTH_DAY_NANO
		return rowKernel(ivT, true, func(a *rowArgs, i int, w *rowWriter) error {
			var iv arrow.MonthDayNanoInterval
			var f float64
			if ivFirst {
				iv, f = a.iv(0, i), a.f64(1, i)
			} else {
				iv, f = a.iv(1, i), a.f64(0, i)
			}
			if op == '/' {
				if f == 0 {
					return invalidf("division by zero")
				}
				f = 1 / f
			}
			r, err := scaleInterval(iv, f)
			if err != nil {
				return err
			}
			w.interval(i, r)
			return nil
		}), ivT, true
	case lid == arrow.TIMESTAMP && rid == arrow.TIMESTAMP && op == '-':
		return rowKernel(ivT, true, func(a *rowArgs, i int, w *rowWriter) error {
			diff := a.i64(0, i) - a.i64(1, i)
			days := diff / usPerDay // toward zero: justify_hours keeps the sign of the time
			w.interval(i, arrow.MonthDayNanoInterval{Days: int32(days), Nanoseconds: (diff - days*usPerDay) * 1000})
			return nil
		}), ivT, true
	}
	return nil, nil, false
}

// scaleInterval multiplies an interval by f as PostgreSQL does: fractional months cascade into
// days (30 per month) and fractional days into time (24 hours per day).
func scaleInterval(iv arrow.MonthDayNanoInterval, f float64) (arrow.MonthDayNanoInterval, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return iv, invalidf("interval out of range")
	}
	m := float64(iv.Months) * f
	d := float64(iv.Days) * f
	im := math.Trunc(m)
	d += (m - im) * 30
	id := math.Trunc(d)
	us := float64(iv.Nanoseconds/1000)*f + (d-id)*float64(usPerDay)
	if math.Abs(im) > math.MaxInt32 || math.Abs(id) > math.MaxInt32 || math.Abs(us) > 9.2e18/1000 {
		return iv, invalidf("interval out of range")
	}
	return arrow.MonthDayNanoInterval{Months: int32(im), Days: int32(id), Nanoseconds: int64(math.Round(us)) * 1000}, nil
}

func negateInterval() kernel {
	ivT := arrow.FixedWidthTypes.MonthDayNanoInterval
	return rowKernel(ivT, true, func(a *rowArgs, i int, w *rowWriter) error {
		x := a.iv(0, i)
		w.interval(i, arrow.MonthDayNanoInterval{Months: -x.Months, Days: -x.Days, Nanoseconds: -x.Nanoseconds})
		return nil
	})
}

// justifyKernel: justify_hours (24 hours -> 1 day), justify_days (30 days -> 1 month),
// justify_interval (both, with signs made consistent).
func justifyKernel(name string, args []Expr) (kernel, arrow.DataType, error) {
	if len(args) != 1 || args[0].Type().ID() != arrow.INTERVAL_MONTH_DAY_NANO {
		return nil, nil, invalidf("function %s takes one interval", name)
	}
	ivT := arrow.FixedWidthTypes.MonthDayNanoInterval
	return rowKernel(ivT, true, func(a *rowArgs, i int, w *rowWriter) error {
		iv := a.iv(0, i)
		m, d, us := int64(iv.Months), int64(iv.Days), iv.Nanoseconds/1000
		if name != "justify_days" {
			d += us / usPerDay
			us %= usPerDay
		}
		if name != "justify_hours" {
			m += d / 30
			d %= 30
		}
		if name == "justify_interval" {
			if m > 0 && (d < 0 || (d == 0 && us < 0)) {
				d += 30
				m--
			} else if m < 0 && (d > 0 || (d == 0 && us > 0)) {
				d -= 30
				m++
			}
			if d > 0 && us < 0 {
				us += usPerDay
				d--
			} else if d < 0 && us > 0 {
				us -= usPerDay
				d++
			}
		} else if name == "justify_hours" {
			if d > 0 && us < 0 {
				us += usPerDay
				d--
			} else if d < 0 && us > 0 {
				us -= usPerDay
				d++
			}
		}
		if m > math.MaxInt32 || m < math.MinInt32 || d > math.MaxInt32 || d < math.MinInt32 {
			return invalidf("interval out of range")
		}
		w.interval(i, arrow.MonthDayNanoInterval{Months: int32(m), Days: int32(d), Nanoseconds: us * 1000})
		return nil
	}), ivT, nil
}
