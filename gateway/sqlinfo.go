package gateway

import (
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/planner"
)

// Version is Tern's version as reported to clients.
var Version = planner.TernVersion

// SubstraitVersion is the Substrait release whose plans Tern consumes
// (CommandStatementSubstraitPlan and prepared Substrait plans).
const SubstraitVersion = "0.87.0"

// Bitmask helpers for the SqlInfo keys whose values are sets of enum ordinals.
func bits(ordinals ...int) int32 {
	var m int32
	for _, o := range ordinals {
		m |= 1 << o
	}
	return m
}

// Enum ordinals of FlightSql.proto used below.
const (
	sqlTransactionTransaction = 1 // SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_TRANSACTION

	caseInsensitive = 1 // SqlSupportedCaseSensitivity
	caseLowercase   = 3

	nullsSortedHigh = 0 // SqlNullOrdering

	isolationRepeatableRead = 3 // SqlTransactionIsolationLevel

	resultSetForwardOnly   = 1 // SqlSupportedResultSetType
	concurrencyReadOnly    = 1 // SqlSupportedResultSetConcurrency
	outerJoinsFull         = 2 // SqlOuterJoinsSupportLevel.SQL_FULL_OUTER_JOINS
	grammarMinimum         = 0 // SupportedSqlGrammar
	grammarCore            = 1
	ansi92Entry            = 0 // SupportedAnsi92SqlGrammarLevel
	groupByUnrelated       = 0 // SqlSupportedGroupBy
	groupByBeyondSelect    = 1
	subqueriesComparisons  = 0 // SqlSupportedSubqueries
	subqueriesExists       = 1
	subqueriesIn           = 2
	subqueriesQuantified   = 3
	unionsUnion            = 0 // SqlSupportedUnions
	unionsUnionAll         = 1
	convertBigint          = 0 // SqlSupportsConvert
	convertBit             = 2
	convertChar            = 3
	convertDate            = 4
	convertDecimal         = 5
	convertFloat           = 6
	convertInteger         = 7
	convertIntervalDayTime = 8
	convertLongVarchar     = 11
	convertNumeric         = 12
	convertReal            = 13
	convertSmallint        = 14
	convertTimestamp       = 16
	convertVarchar         = 19
)

// sqlInfo is every SqlInfo key Tern answers: the Flight SQL server keys and the SQL syntax keys
// that a JDBC DatabaseMetaData (the Arrow Flight SQL JDBC driver) or an ODBC driver asks for.
// Values follow PostgreSQL's answers where Tern behaves like PostgreSQL, and Tern's own where it
// does not yet (no savepoints). Outer joins are LEFT, RIGHT and FULL; subqueries (scalar
// comparisons, EXISTS, IN, ANY/SOME/ALL) may be correlated: the optimizer decorrelates them
// into joins (testdata/slt/subquery.slt, outer_join.slt).
func sqlInfo() map[flightsql.SqlInfo]any {
	numeric := []int32{convertBigint, convertDecimal, convertFloat, convertInteger, convertNumeric,
		convertReal, convertSmallint, convertVarchar, convertChar, convertLongVarchar}
	text := []int32{convertBigint, convertBit, convertChar, convertDate, convertDecimal, convertFloat,
		convertInteger, convertIntervalDayTime, convertLongVarchar, convertNumeric, convertReal,
		convertSmallint, convertTimestamp, convertVarchar}
	return map[flightsql.SqlInfo]any{
		// Server.
		flightsql.SqlInfoFlightSqlServerName:                        "Tern",
		flightsql.SqlInfoFlightSqlServerVersion:                     Version,
		flightsql.SqlInfoFlightSqlServerArrowVersion:                "18.8.0",
		flightsql.SqlInfoFlightSqlServerReadOnly:                    false,
		flightsql.SqlInfoFlightSqlServerSql:                         true,
		flightsql.SqlInfoFlightSqlServerSubstrait:                   true,
		flightsql.SqlInfoFlightSqlServerSubstraitMinVersion:         "0.40.0",
		flightsql.SqlInfoFlightSqlServerSubstraitMaxVersion:         SubstraitVersion,
		flightsql.SqlInfoFlightSqlServerTransaction:                 int32(sqlTransactionTransaction),
		flightsql.SqlInfoFlightSqlServerCancel:                      true,
		flightsql.SqlInfoFlightSqlServerBulkIngestion:               true,
		flightsql.SqlInfoFlightSqlServerIngestTransactionsSupported: true,
		flightsql.SqlInfoFlightSqlServerStatementTimeout:            int32(0), // no server-side limit; clients set deadlines
		flightsql.SqlInfoFlightSqlServerTransactionTimeout:          int32(coordinator.TransactionTTL.Seconds()),

		// DDL and identifiers.
		flightsql.SqlInfoDDLCatalog:              false,
		flightsql.SqlInfoDDLSchema:               false,
		flightsql.SqlInfoDDLTable:                true,
		flightsql.SqlInfoIdentifierCase:          int32(caseLowercase),   // unquoted names fold to lower case
		flightsql.SqlInfoQuotedIdentifierCase:    int32(caseInsensitive), // quoted names keep mixed case
		flightsql.SqlInfoIdentifierQuoteChar:     `"`,
		flightsql.SqlInfoAllTablesAreASelectable: true,
		flightsql.SqlInfoNullOrdering:            int32(nullsSortedHigh),
		flightsql.SqlInfoKeywords:                sqlKeywords,
		flightsql.SqlInfoNumericFunctions:        []string{"abs", "ceil", "floor", "mod", "round", "sign", "sqrt", "trunc"},
		flightsql.SqlInfoStringFunctions:         []string{"char_length", "concat", "length", "lower", "substring", "upper"},
		flightsql.SqlInfoSystemFunctions:         []string{"coalesce", "nullif"},
		flightsql.SqlInfoDateTimeFunctions:       []string{"current_date", "current_timestamp", "date_trunc", "extract"},
		flightsql.SqlInfoSearchStringEscape:      `\`,
		flightsql.SqlInfoExtraNameChars:          "",

		// Syntax.
		flightsql.SqlInfoSupportsColumnAliasing:                 true,
		flightsql.SqlInfoNullPlusNullIsNull:                     true,
		flightsql.SqlInfoSupportsConvert:                        map[int32][]int32{convertBigint: numeric, convertInteger: numeric, convertSmallint: numeric, convertDecimal: numeric, convertNumeric: numeric, convertFloat: numeric, convertReal: numeric, convertVarchar: text, convertChar: text, convertLongVarchar: text},
		flightsql.SqlInfoSupportsTableCorrelationNames:          true,
		flightsql.SqlInfoSupportsDifferentTableCorrelationNames: false,
		flightsql.SqlInfoSupportsExpressionsInOrderBy:           true,
		flightsql.SqlInfoSupportsOrderByUnrelated:               true,
		flightsql.SqlInfoSupportedGroupBy:                       bits(groupByUnrelated, groupByBeyondSelect),
		flightsql.SqlInfoSupportsLikeEscapeClause:               true,
		flightsql.SqlInfoSupportsNonNullableColumns:             true,
		flightsql.SqlInfoSupportedGrammar:                       bits(grammarMinimum, grammarCore),
		flightsql.SqlInfoANSI92SupportedLevel:                   bits(ansi92Entry),
		flightsql.SqlInfoSupportsIntegrityEnhancementFacility:   false,
		flightsql.SqlInfoOuterJoinsSupportLevel:                 int32(outerJoinsFull),
		flightsql.SqlInfoSchemaTerm:                             "schema",
		flightsql.SqlInfoProcedureTerm:                          "procedure",
		flightsql.SqlInfoCatalogTerm:                            "database",
		flightsql.SqlInfoCatalogAtStart:                         true,
		flightsql.SqlInfoSchemasSupportedActions:                int32(0),
		flightsql.SqlInfoCatalogsSupportedActions:               int32(0),
		flightsql.SqlInfoSupportedPositionedCommands:            int32(0),
		flightsql.SqlInfoSelectForUpdateSupported:               false,
		flightsql.SqlInfoStoredProceduresSupported:              false,
		flightsql.SqlInfoSupportedSubqueries:                    bits(subqueriesComparisons, subqueriesExists, subqueriesIn, subqueriesQuantified),
		flightsql.SqlInfoCorrelatedSubqueriesSupported:          true,
		flightsql.SqlInfoSupportedUnions:                        bits(unionsUnion, unionsUnionAll),

		// Limits (0: no limit or unknown, as JDBC reads it). Names are PostgreSQL's NAMEDATALEN-1.
		flightsql.SqlInfoMaxBinaryLiteralLen:     int64(0),
		flightsql.SqlInfoMaxCharLiteralLen:       int64(0),
		flightsql.SqlInfoMaxColumnNameLen:        int64(63),
		flightsql.SqlInfoMaxColumnsInGroupBy:     int64(0),
		flightsql.SqlInfoMaxColumnsInIndex:       int64(0),
		flightsql.SqlInfoMaxColumnsInOrderBy:     int64(0),
		flightsql.SqlInfoMaxColumnsInSelect:      int64(0),
		flightsql.SqlInfoMaxColumnsInTable:       int64(1600),
		flightsql.SqlInfoMaxConnections:          int64(0),
		flightsql.SqlInfoMaxCursorNameLen:        int64(63),
		flightsql.SqlInfoMaxIndexLen:             int64(0),
		flightsql.SqlInfoDBSchemaNameLen:         int64(63),
		flightsql.SqlInfoMaxProcedureNameLen:     int64(63),
		flightsql.SqlInfoMaxCatalogNameLen:       int64(63),
		flightsql.SqlInfoMaxRowSize:              int64(0),
		flightsql.SqlInfoMaxRowSizeIncludesBlobs: true,
		flightsql.SqlInfoMaxStatementLen:         int64(0),
		flightsql.SqlInfoMaxStatements:           int64(0),
		flightsql.SqlInfoMaxTableNameLen:         int64(63),
		flightsql.SqlInfoMaxTablesInSelect:       int64(0),
		flightsql.SqlInfoMaxUsernameLen:          int64(63),

		// Transactions: snapshot isolation over native tables (reported as REPEATABLE READ,
		// PostgreSQL's name for it). DDL is not transactional: it runs at once.
		flightsql.SqlInfoDefaultTransactionIsolation:                         int32(isolationRepeatableRead),
		flightsql.SqlInfoTransactionsSupported:                               true,
		flightsql.SqlInfoSupportedTransactionsIsolationlevels:                bits(isolationRepeatableRead),
		flightsql.SqlInfoDataDefinitionCausesTransactionCommit:               false,
		flightsql.SqlInfoDataDefinitionsInTransactionsIgnored:                false,
		flightsql.SqlInfoSupportedResultSetTypes:                             bits(resultSetForwardOnly),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetUnspecified:       int32(0),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetForwardOnly:       bits(concurrencyReadOnly),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetScrollSensitive:   int32(0),
		flightsql.SqlInfoSupportedConcurrenciesForResultSetScrollInsensitive: int32(0),
		flightsql.SqlInfoBatchUpdatesSupported:                               true,
		flightsql.SqlInfoSavePointsSupported:                                 false,
		flightsql.SqlInfoNamedParametersSupported:                            false,
		flightsql.SqlInfoLocatorsUpdateCopy:                                  false,
		flightsql.SqlInfoStoredFunctionsUsingCallSyntaxSupported:             false,
	}
}

// sqlKeywords are the PostgreSQL keywords that are not also SQL:2003 keywords, as JDBC's
// getSQLKeywords expects.
var sqlKeywords = []string{
	"abort", "access", "aggregate", "also", "analyse", "analyze", "attach", "backward", "bit",
	"cache", "checkpoint", "class", "cluster", "columns", "comment", "comments", "concurrently",
	"configuration", "conflict", "connection", "content", "conversion", "copy", "cost", "csv",
	"database", "delimiter", "delimiters", "depends", "detach", "dictionary", "disable", "discard",
	"do", "document", "enable", "encoding", "encrypted", "enum", "event", "exclusive", "explain",
	"extension", "family", "force", "forward", "freeze", "functions", "generated", "handler",
	"header", "if", "ilike", "immutable", "implicit", "import", "include", "index", "indexes",
	"inherit", "inherits", "inline", "instead", "isnull", "label", "leakproof", "limit", "listen",
	"load", "location", "lock", "locked", "logged", "mapping", "materialized", "mode", "move",
	"notify", "notnull", "nowait", "nulls", "off", "offset", "oids", "operator", "owned", "owner",
	"parallel", "parser", "passing", "password", "plans", "policy", "prepared", "procedural",
	"procedures", "program", "publication", "quote", "reassign", "recheck", "refresh", "reindex",
	"rename", "replace", "replica", "reset", "restrict", "returning", "routines", "rule", "schemas",
	"sequences", "server", "setof", "share", "show", "skip", "snapshot", "stable", "standalone",
	"statistics", "stdin", "stdout", "storage", "stored", "strict", "strip", "subscription",
	"support", "sysid", "tablespace", "tables", "temp", "template", "text", "truncate", "trusted",
	"types", "unencrypted", "unlisten", "unlogged", "vacuum", "valid", "validator", "variadic",
	"verbose", "version", "views", "volatile", "whitespace", "wrapper", "xml",
}

func (s *Server) registerSqlInfo() error {
	for k, v := range sqlInfo() {
		if err := s.RegisterSqlInfo(k, v); err != nil {
			return err
		}
	}
	return nil
}
