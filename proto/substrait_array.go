package proto

// Array functions. Substrait's standard extensions have no array (list) functions beyond the
// list type itself, so Tern declares PostgreSQL's under URNTern, with PostgreSQL's names and
// semantics. Arrays travel as Substrait's list type (Arrow list<item: element, nullable>),
// one-dimensional, subscripts from 1. Signatures use "list" for any array argument and
// "any" for an element; the element type is the list's.
//
//	make_array(e1, ..., en) -> list            ARRAY[e1, ..., en]; no arguments: empty
//	array_subscript(list, i32) -> element      a[i]; NULL out of range
//	array_slice(list, i32, i32) -> list        a[i:j] (bounds clamped; omitted: 1, 2^31-1)
//	array_length(list, i32), array_upper, array_lower -> i32 (NULL for an empty array)
//	array_ndims(list), cardinality(list) -> i32; array_dims(list) -> str
//	array_position(list, any [, i32]) -> i32;   array_positions(list, any) -> list<i32>
//	array_append(list, any), array_prepend(any, list), array_cat(list, list) -> list
//	array_remove(list, any), array_replace(list, any, any) -> list
//	array_to_string(list, str [, str]) -> str;  string_to_array(str, str [, str]) -> list<str>
//	regexp_match(str, str [, str]) -> list<str>; regexp_split_to_array(str, str [, str])
//	array_contains(list, list) (@>), array_contained (<@), array_overlap (&&) -> bool
//	array_any_<op>(any, list), array_all_<op>(any, list) -> bool
//	    x op ANY (array) / x op ALL (array), op one of equal, not_equal, lt, lte, gt, gte,
//	    with PostgreSQL's NULL rules
//
// Comparisons (equal, lt, ... of the comparison extension) and casts accept lists too:
// arrays compare element by element (NULL elements equal each other and sort last), and
// cast to and from PostgreSQL's array text ({1,NULL,"a b"}).
const (
	FnMakeArray      = "make_array"
	FnArraySubscript = "array_subscript"
	FnArraySlice     = "array_slice"
	FnArrayLength    = "array_length"
	FnArrayUpper     = "array_upper"
	FnArrayLower     = "array_lower"
	FnArrayNdims     = "array_ndims"
	FnArrayDims      = "array_dims"
	FnCardinality    = "cardinality"
	FnArrayPosition  = "array_position"
	FnArrayPositions = "array_positions"
	FnArrayAppend    = "array_append"
	FnArrayPrepend   = "array_prepend"
	FnArrayCat       = "array_cat"
	FnArrayRemove    = "array_remove"
	FnArrayReplace   = "array_replace"
	FnArrayToString  = "array_to_string"
	FnStringToArray  = "string_to_array"
	FnRegexpMatch    = "regexp_match"
	FnRegexpSplitArr = "regexp_split_to_array"
	FnArrayContains  = "array_contains"
	FnArrayContained = "array_contained"
	FnArrayOverlap   = "array_overlap"
	FnArrayAny       = "array_any_" // + comparison name
	FnArrayAll       = "array_all_" // + comparison name

	// AggArrayAgg collects its argument's values, NULLs included, in input order (or the
	// aggregate's ORDER BY) into an array; NULL over no rows.
	AggArrayAgg = "array_agg"

	// SetUnnest expands arrays into rows (set-returning; several arrays zip, the shorter
	// padded with NULLs); SetRegexpMatches yields one text[] per match (flag g: all).
	SetUnnest        = "unnest"
	SetRegexpMatches = "regexp_matches"
)
