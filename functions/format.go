package functions

import (
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// formatFuncs declares PostgreSQL's formatting functions: to_char over date/time, interval
// and number types, to_number, to_date and to_timestamp (from text with a template, or from
// seconds since 1970). Their overloads follow the first argument's type and to_number's
// result scale follows its template, so the binder resolves them (planner/bind_format.go)
// and Sigs stay empty.
func formatFuncs() []*Func {
	f := func(name string, sql ...string) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Build: exec.Format(name)}
	}
	return []*Func{
		f(proto.FnToChar, "to_char"),
		f(proto.FnToNumber, "to_number"),
		f(proto.FnToDate, "to_date"),
		f(proto.FnToTimestamp, "to_timestamp"),
	}
}

// NumberTemplateScale is the scale to_number(text, template) returns numbers in.
func NumberTemplateScale(template string) (int32, error) { return exec.NumberTemplateScale(template) }
