package functions

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// datetimeFuncs declares PostgreSQL's date/time functions. extract/date_part and
// date_trunc take a constant field name and their result type depends on it or on the
// value's type; the binder decides those (planner/bind_func.go).
func datetimeFuncs() []*Func {
	tern := func(name string, b exec.Builder, sql []string, sigs ...Sig) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Sigs: sigs, Build: b}
	}
	iv := catalog.Interval
	return []*Func{
		tern(proto.FnExtract, exec.Extract(proto.FnExtract), []string{"extract"}),
		tern(proto.FnDatePart, exec.Extract(proto.FnDatePart), []string{"date_part"}),
		tern(proto.FnDateTrunc, exec.DateTrunc(proto.FnDateTrunc), []string{"date_trunc"}),
		tern(proto.FnJustifyHours, exec.Justify(proto.FnJustifyHours), []string{"justify_hours"}, sig(iv, iv)),
		tern(proto.FnJustifyDays, exec.Justify(proto.FnJustifyDays), []string{"justify_days"}, sig(iv, iv)),
		tern(proto.FnJustifyInterval, exec.Justify(proto.FnJustifyInterval), []string{"justify_interval"}, sig(iv, iv)),
		tern(proto.FnMakeDate, exec.StringFunc(proto.FnMakeDate), []string{"make_date"}, sig(catalog.Date, i32, i32, i32)),
		// age(x) (against current_date at midnight) is rewritten by the binder into the
		// two-argument form (planner/bind_age.go). Dates reach the timestamp signature.
		tern(proto.FnAge, exec.Age(proto.FnAge), []string{"age"},
			sig(iv, catalog.Timestamp, catalog.Timestamp), sig(iv, catalog.TimestampTZ, catalog.TimestampTZ)),
	}
}
