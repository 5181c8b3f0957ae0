package proto

// Extension URNs. Standard Substrait ones where a standard function exists; Tern's own for
// PostgreSQL behaviour that has no standard function.
const (
	URNArithmetic = "extension:io.substrait:functions_arithmetic"
	URNDecimal    = "extension:io.substrait:functions_arithmetic_decimal"
	URNComparison = "extension:io.substrait:functions_comparison"
	URNBoolean    = "extension:io.substrait:functions_boolean"
	URNString     = "extension:io.substrait:functions_string"
	URNDatetime   = "extension:io.substrait:functions_datetime"
	URNAggregate  = "extension:io.substrait:functions_aggregate_generic"
	URNTern       = "extension:dev.tern:functions"
)

// Scalar function names (the part before ':' in Substrait compound names).
const (
	FnAdd      = "add"
	FnSubtract = "subtract"
	FnMultiply = "multiply"
	FnDivide   = "divide"  // integers truncate toward zero; division by zero is an error
	FnModulus  = "modulus" // sign of the dividend, as PostgreSQL
	FnNegate   = "negate"

	FnEqual       = "equal"
	FnNotEqual    = "not_equal"
	FnLt          = "lt"
	FnLte         = "lte"
	FnGt          = "gt"
	FnGte         = "gte"
	FnIsNull      = "is_null"
	FnIsNotNull   = "is_not_null"
	FnIsDistinct  = "is_distinct_from"
	FnNotDistinct = "is_not_distinct_from"

	FnAnd = "and" // Kleene three-valued logic, variadic
	FnOr  = "or"  // Kleene three-valued logic, variadic
	FnNot = "not"

	FnConcat = "concat" // SQL ||: NULL if any argument is NULL
	FnLike   = "like"   // PostgreSQL LIKE with '\' escape
	FnILike  = "ilike"  // Tern: case-insensitive LIKE
	FnLower  = "lower"
	FnUpper  = "upper"
	FnLength = "char_length"
	FnSubstr = "substring" // 1-based start, optional length
)

// Aggregate function names.
const (
	AggCount = "count" // no arguments: COUNT(*)
	AggSum   = "sum"
	AggAvg   = "avg"
	AggMin   = "min"
	AggMax   = "max"
)
