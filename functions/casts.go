package functions

import "github.com/tern-db/tern/catalog"

// CastContext is where PostgreSQL applies a cast without being asked (pg_cast.castcontext).
type CastContext uint8

const (
	NoCast     CastContext = iota // no such cast
	Explicit                      // only CAST(x AS t) / x::t
	Assignment                    // also INSERT/UPDATE/COPY into a column
	Implicit                      // also function and operator arguments
)

// Cast is the declaration of every cast between Tern's types: the context in which it
// applies. Its kernel is exec.NewCast (registry_test checks that every declared cast has
// one); its folding evaluator is EvalCast. An untyped literal reaches every type (its input
// function), and a type reaches itself.
func Cast(from, to catalog.Type) CastContext {
	switch {
	case from.Kind == catalog.TypeArray && to.Kind == catalog.TypeArray:
		// array coercion: each element by the element cast, in its context
		return Cast(from.ElemType(), to.ElemType())
	case from.Kind == catalog.TypeArray && to.Kind != catalog.TypeText, to.Kind == catalog.TypeArray && from.Kind != catalog.TypeText && from.Kind != catalog.TypeUnknown:
		return NoCast
	case from.Kind == catalog.TypeUnknown, from.Kind == to.Kind:
		return Implicit
	case IsJSON(from) || IsJSON(to):
		return jsonCast(from, to)
	case isNumber(from) && isNumber(to):
		if NumberRank(from) < NumberRank(to) {
			return Implicit
		}
		return Assignment
	case IsDatetime(from) && IsDatetime(to):
		if DatetimeRank(from) < DatetimeRank(to) {
			return Implicit
		}
		return Assignment
	case to.Kind == catalog.TypeText:
		return Assignment // every type's output function
	case from.Kind == catalog.TypeText:
		return Explicit // the input functions (interval: exec.ParseInterval, as literals)
	case from.Kind == catalog.TypeBool && to.Kind == catalog.TypeInt32,
		from.Kind == catalog.TypeInt32 && to.Kind == catalog.TypeBool:
		return Explicit
	}
	return NoCast
}

func isNumber(t catalog.Type) bool {
	return NumberRank(t) > 0
}

func IsDatetime(t catalog.Type) bool { return DatetimeRank(t) > 0 }

// NumberRank orders the numeric category by implicit-cast direction (0: not numeric); the
// binder's coercions use it too.
func NumberRank(t catalog.Type) int {
	switch t.Kind {
	case catalog.TypeInt16:
		return 1
	case catalog.TypeInt32:
		return 2
	case catalog.TypeInt64:
		return 3
	case catalog.TypeNumeric:
		return 4
	case catalog.TypeFloat32:
		return 5
	case catalog.TypeFloat64:
		return 6
	}
	return 0
}

// DatetimeRank orders date < timestamp < timestamptz (0: not a datetime).
func DatetimeRank(t catalog.Type) int {
	switch t.Kind {
	case catalog.TypeDate:
		return 1
	case catalog.TypeTimestamp:
		return 2
	case catalog.TypeTimestampTZ:
		return 3
	}
	return 0
}
