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

// PostgreSQL functions Tern declares under URNTern with their PostgreSQL names and argument
// order (the function registry, package functions, says which SQL names reach each).
const (
	FnConcatFunc = "concat" // under URNTern: concat(), NULL arguments skipped (not ||)
	FnConcatWS   = "concat_ws"
	FnVarchar    = "varchar" // length coercion varchar(value, n, explicit)
	FnBpchar     = "bpchar"  // CHAR(n) coercion bpchar(value, n, mode): pad; mode 0 implicit, 1 assignment, 2 explicit
	FnInitcap    = "initcap"
	FnToChar     = "to_char"           // to_char(timestamp, template)
	FnLikeEscape = "like_escape"       // LIKE pattern with escape character -> backslash form
	FnSimilarEsc = "similar_to_escape" // SIMILAR TO pattern [, escape] -> anchored regexp
	FnReverse    = "reverse"
	FnMD5        = "md5"
	FnOctetLen   = "octet_length"
	FnBitLen     = "bit_length"
	FnASCII      = "ascii"
	FnChr        = "chr"
	FnStrpos     = "strpos"
	FnBtrim      = "btrim"
	FnLtrim      = "ltrim"
	FnRtrim      = "rtrim"
	FnReplace    = "replace"
	FnTranslate  = "translate"
	FnSplitPart  = "split_part"
	FnLeft       = "left"
	FnRight      = "right"
	FnRepeat     = "repeat"
	FnLpad       = "lpad"
	FnRpad       = "rpad"
	FnStartsWith = "starts_with"
	FnRegexpRepl = "regexp_replace"
	FnRegexpLike = "regexp_like"
	FnRegexpSub  = "regexp_substr"
	FnRegexpCnt  = "regexp_count"

	FnAbs      = "abs"
	FnSign     = "sign"
	FnCeil     = "ceil"
	FnFloor    = "floor"
	FnTrunc    = "trunc"
	FnRound    = "round"
	FnSqrt     = "sqrt"
	FnCbrt     = "cbrt"
	FnExp      = "exp"
	FnLn       = "ln"
	FnLog10    = "log10"
	FnLog      = "log" // log(b, x): logarithm of x to base b (numeric)
	FnDiv      = "div" // numeric integer quotient, truncated toward zero
	FnSin      = "sin"
	FnCos      = "cos"
	FnTan      = "tan"
	FnAsin     = "asin"
	FnAcos     = "acos"
	FnAtan     = "atan"
	FnAtan2    = "atan2"
	FnDegrees  = "degrees"
	FnRadians  = "radians"
	FnPower    = "power"
	FnGreatest = "greatest" // NULL arguments ignored
	FnLeast    = "least"    // NULL arguments ignored

	FnExtract         = "extract"   // numeric result
	FnDatePart        = "date_part" // double precision result
	FnDateTrunc       = "date_trunc"
	FnJustifyHours    = "justify_hours"
	FnJustifyDays     = "justify_days"
	FnJustifyInterval = "justify_interval"
	FnMakeDate        = "make_date"
	FnAge             = "age"

	// FnCheckConstraint is TRUE where its condition is TRUE or NULL, else an error naming
	// the constraint (the executor's exec.FnCheckConstraint).
	FnCheckConstraint = "tern_check_constraint"
)

// Aggregate function names.
const (
	AggCount = "count" // no arguments: COUNT(*)
	AggSum   = "sum"
	AggAvg   = "avg"
	AggMin   = "min"
	AggMax   = "max"

	AggBoolAnd    = "bool_and"
	AggBoolOr     = "bool_or"
	AggStringAgg  = "string_agg" // (value, delimiter)
	AggVarSamp    = "var_samp"
	AggVarPop     = "var_pop"
	AggStddevSamp = "stddev_samp"
	AggStddevPop  = "stddev_pop"

	// Ordered-set aggregates (WITHIN GROUP): the direct arguments are the function's
	// arguments, the ordered values its AggregateFunction.sorts (proto/doc.go).
	AggPercentileCont = "percentile_cont" // (fraction) WITHIN GROUP (ORDER BY double|interval)
	AggPercentileDisc = "percentile_disc" // (fraction) WITHIN GROUP (ORDER BY any sortable)
	AggMode           = "mode"            // () WITHIN GROUP (ORDER BY any sortable)
	// Hypothetical-set aggregates: rank(args) WITHIN GROUP (ORDER BY keys). Their names differ
	// from the window functions rank/dense_rank/... so that a plan never confuses the two.
	AggHypRank        = "hypothetical_rank"
	AggHypDenseRank   = "hypothetical_dense_rank"
	AggHypPercentRank = "hypothetical_percent_rank"
	AggHypCumeDist    = "hypothetical_cume_dist"
)

// Window-only function names (under URNTern); aggregates used as window functions keep
// their aggregate names.
const (
	WinRowNumber   = "row_number"
	WinRank        = "rank"
	WinDenseRank   = "dense_rank"
	WinPercentRank = "percent_rank"
	WinCumeDist    = "cume_dist"
	WinNtile       = "ntile"
	WinLag         = "lag"
	WinLead        = "lead"
	WinFirstValue  = "first_value"
	WinLastValue   = "last_value"
	WinNthValue    = "nth_value"
)

// PostgreSQL's formatting functions besides to_char (FnToChar above, which also formats
// timestamptz, interval and numbers), under URNTern.
const (
	FnToNumber    = "to_number"    // to_number(text, template)
	FnToDate      = "to_date"      // to_date(text, template)
	FnToTimestamp = "to_timestamp" // to_timestamp(text, template) or to_timestamp(seconds)
)
