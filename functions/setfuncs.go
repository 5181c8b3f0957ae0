package functions

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// SetFunc is a set-returning function (generate_series, ...), callable in FROM and in the
// select list. Declaring one here is all it takes: the binder resolves its signatures, the
// plan names it by ID in a planpb.ProjectSet, and the node builds its kernel with New.
type SetFunc struct {
	ID  string
	SQL []string
	// Sigs are tried in order; the first whose parameters every argument implicitly casts to
	// wins. A TypeNumeric parameter takes any numeric and a TypeNumeric result is the
	// arguments' common numeric type.
	Sigs []SetSig
	// Resolve, when set, replaces Sigs for polymorphic functions (unnest(anyarray)): the
	// parameter types the arguments are brought to and the element type; ok false: no such
	// signature.
	Resolve func(args []catalog.Type) (params []catalog.Type, out catalog.Type, ok bool)
	// Out is the element type for the (bound, coerced) argument types a plan hands over.
	Out func(args []arrow.DataType) (arrow.DataType, error)
	New func(out arrow.DataType) (exec.SetFunc, error)
}

// SetSig is one signature of a set-returning function.
type SetSig struct {
	Args []catalog.Type
	Out  catalog.Type
}

var setFuncList = func() []*SetFunc {
	i4, i8, num := catalog.Int32, catalog.Int64, catalog.Type{Kind: catalog.TypeNumeric}
	ts, tz, iv := catalog.Timestamp, catalog.TimestampTZ, catalog.Interval
	series := &SetFunc{ID: "generate_series", SQL: []string{"generate_series"}, New: exec.NewGenerateSeries,
		Out: func(args []arrow.DataType) (arrow.DataType, error) {
			if len(args) < 2 || len(args) > 3 || !arrow.TypeEqual(args[0], args[1]) {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "generate_series over %v", args)
			}
			return args[0], nil
		}}
	for _, t := range []catalog.Type{i4, i8, num} {
		series.Sigs = append(series.Sigs, SetSig{Args: []catalog.Type{t, t}, Out: t}, SetSig{Args: []catalog.Type{t, t, t}, Out: t})
	}
	series.Sigs = append(series.Sigs, SetSig{Args: []catalog.Type{tz, tz, iv}, Out: tz}, SetSig{Args: []catalog.Type{ts, ts, iv}, Out: ts})
	return append(append([]*SetFunc{series}, arraySetFuncs()...), jsonSetFuncs()...)
}()

// SetFuncBySQL finds a set-returning function by a SQL name.
func SetFuncBySQL(name string) (*SetFunc, bool) {
	for _, f := range setFuncList {
		for _, s := range f.SQL {
			if s == name {
				return f, true
			}
		}
	}
	return nil, false
}

// SetFuncByID finds a set-returning function by the ID a plan names it with.
func SetFuncByID(id string) (*SetFunc, bool) {
	for _, f := range setFuncList {
		if f.ID == id {
			return f, true
		}
	}
	return nil, false
}
