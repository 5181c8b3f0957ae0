package functions

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// arrayFuncs declares PostgreSQL's array functions and operators (proto/substrait_array.go).
// Their argument and result types are polymorphic (anyarray, anyelement), so they declare
// no Sigs: the binder's array rules (planner/bind_array.go) resolve the types and the
// kernels take them from their arguments.
func arrayFuncs() []*Func {
	arr := func(name string, nulls Nulls, sql ...string) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Nulls: nulls, Build: exec.ArrayFunc(name)}
	}
	fs := []*Func{
		arr(proto.FnMakeArray, NeverNull),
		arr(proto.FnArraySubscript, NullOnValue),
		arr(proto.FnArraySlice, NullOnValue),
		arr(proto.FnArrayLength, NullOnValue, "array_length"),
		arr(proto.FnArrayUpper, NullOnValue, "array_upper"),
		arr(proto.FnArrayLower, NullOnValue, "array_lower"),
		arr(proto.FnArrayNdims, NullOnValue, "array_ndims"),
		arr(proto.FnArrayDims, NullOnValue, "array_dims"),
		arr(proto.FnCardinality, Strict, "cardinality"),
		arr(proto.FnArrayPosition, NullsSkipped, "array_position"),
		arr(proto.FnArrayPositions, NullIfFirst, "array_positions"),
		// not strict (a NULL array counts as empty; NULL elements are found and appended);
		// NullsSkipped only keeps them from being folded: the binder marks them nullable
		arr(proto.FnArrayAppend, NullsSkipped, "array_append"),
		arr(proto.FnArrayPrepend, NullsSkipped, "array_prepend"),
		arr(proto.FnArrayCat, NullsSkipped, "array_cat"),
		arr(proto.FnArrayRemove, NullIfFirst, "array_remove"),
		arr(proto.FnArrayReplace, NullIfFirst, "array_replace"),
		arr(proto.FnArrayToString, NullsSkipped, "array_to_string"),
		arr(proto.FnStringToArray, NullIfFirst, "string_to_array"),
		arr(proto.FnRegexpMatch, NullOnValue, "regexp_match"),
		arr(proto.FnRegexpSplitArr, NullOnValue, "regexp_split_to_array"),
		arr(proto.FnArrayContains, Strict, "@>"),
		arr(proto.FnArrayContained, Strict, "<@"),
		arr(proto.FnArrayOverlap, Strict, "&&"),
	}
	for _, op := range []string{proto.FnEqual, proto.FnNotEqual, proto.FnLt, proto.FnLte, proto.FnGt, proto.FnGte} {
		for _, all := range []bool{false, true} {
			id := proto.FnArrayAny + op
			if all {
				id = proto.FnArrayAll + op
			}
			// not strict (NULL x over an empty array is false); the binder marks it nullable
			fs = append(fs, &Func{ID: id, Name: id, URN: proto.URNTern, Nulls: NullsSkipped,
				Build: exec.ArrayAnyAll(id, op, all)})
		}
	}
	return fs
}

// ArrayAnyAllID is the function x op ANY/ALL (array) binds to; op is a comparison's
// registry name (proto.FnEqual, ...).
func ArrayAnyAllID(op string, all bool) string {
	if all {
		return proto.FnArrayAll + op
	}
	return proto.FnArrayAny + op
}

// arraySetFuncs declares unnest and regexp_matches.
func arraySetFuncs() []*SetFunc {
	text := catalog.Text
	unnest := &SetFunc{ID: proto.SetUnnest, SQL: []string{"unnest"}, New: exec.NewUnnest,
		Resolve: func(args []catalog.Type) ([]catalog.Type, catalog.Type, bool) {
			if len(args) != 1 || !args[0].IsArray() {
				return nil, catalog.Type{}, false
			}
			return args, args[0].ElemType(), true
		},
		Out: func(args []arrow.DataType) (arrow.DataType, error) {
			if len(args) != 1 || args[0].ID() != arrow.LIST {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "unnest over %v", args)
			}
			return args[0].(*arrow.ListType).Elem(), nil
		}}
	matches := &SetFunc{ID: proto.SetRegexpMatches, SQL: []string{"regexp_matches"}, New: exec.NewRegexpMatches,
		Sigs: []SetSig{{Args: []catalog.Type{text, text}, Out: catalog.ArrayOf(text)},
			{Args: []catalog.Type{text, text, text}, Out: catalog.ArrayOf(text)}},
		Out: func([]arrow.DataType) (arrow.DataType, error) { return catalog.ArrayOf(text).Arrow(), nil }}
	return []*SetFunc{unnest, matches}
}

// ParseArrayText splits PostgreSQL array text into its elements as the executor's text ->
// array cast does (exec.ParseArrayText); ok[i] false: element i is NULL.
func ParseArrayText(s string) (vals []string, ok []bool, err error) { return exec.ParseArrayText(s) }
