package exec

import "github.com/apache/arrow-go/v18/arrow"

// PostgreSQL's age(t1, t2) (timestamp_age and timestamptz_age): not t1 - t2 in days and
// time but a symbolic difference of the civil fields, years and months first. Tern's session
// time zone is UTC, so timestamptz values split into the same fields as timestamps; dates
// arrive as timestamps at midnight (the binder casts them), but a client plan may pass date32.

// ageOf is PostgreSQL's age(t1, t2): a symbolic difference in years, months, days and time.
func ageOf(t1, t2 int64) arrow.MonthDayNanoInterval {
	neg := t1 < t2
	if neg {
		t1, t2 = t2, t1
	}
	a, b := splitTS(t1), splitTS(t2)
	us := a.us - b.us
	s := a.s - b.s
	mi := a.mi - b.mi
	h := a.h - b.h
	d := a.d - b.d
	mo := a.mo - b.mo
	y := a.y - b.y
	for us < 0 {
		us += usPerSec
		s--
	}
	for s < 0 {
		s += 60
		mi--
	}
	for mi < 0 {
		mi += 60
		h--
	}
	for h < 0 {
		h += 24
		d--
	}
	for d < 0 {
		// borrow the length of the earlier value's month, as PostgreSQL does (with the
		// sign flipped first, that is t2's month, or t1's when t1 < t2)
		d += daysIn(b.y, b.mo)
		mo--
	}
	for mo < 0 {
		mo += 12
		y--
	}
	iv := arrow.MonthDayNanoInterval{Months: int32(y*12 + mo), Days: int32(d),
		Nanoseconds: ((h*3600+mi*60+s)*usPerSec + us) * 1000}
	if neg {
		iv = arrow.MonthDayNanoInterval{Months: -iv.Months, Days: -iv.Days, Nanoseconds: -iv.Nanoseconds}
	}
	return iv
}

func ageKernel(args []Expr, out arrow.DataType) (kernel, arrow.DataType, error) {
	if len(args) != 2 {
		return nil, nil, notSupportedf("age with %d arguments (the binder rewrites age(x) as age(current_date, x))", len(args))
	}
	for _, a := range args {
		if id := a.Type().ID(); id != arrow.TIMESTAMP && id != arrow.DATE32 {
			return nil, nil, notSupportedf("age of %s", a.Type())
		}
	}
	out = arrow.FixedWidthTypes.MonthDayNanoInterval
	d0, d1 := args[0].Type().ID() == arrow.DATE32, args[1].Type().ID() == arrow.DATE32
	return rowKernel(out, true, func(a *rowArgs, i int, w *rowWriter) error {
		t1, t2 := a.i64(0, i), a.i64(1, i)
		if d0 {
			t1 *= usPerDay
		}
		if d1 {
			t2 *= usPerDay
		}
		w.interval(i, ageOf(t1, t2))
		return nil
	}), out, nil
}
