package planner

import (
	"fmt"
	"os"
	"runtime"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// TernVersion is Tern's release: what version() and the gateway's SqlInfo report.
const TernVersion = "0.1.0-dev"

// DatabaseName is what current_database() and current_catalog answer: Tern has one database.
const DatabaseName = "tern"

// VersionString is version()'s answer. It starts like PostgreSQL's ("PostgreSQL 15.0 ...")
// because client tools parse the major and minor version from that prefix to pick their
// PostgreSQL dialect, then names Tern: "PostgreSQL 15.0 (Tern 0.1.0-dev) on linux/amd64,
// compiled by go1.xx". 15.0 is the PostgreSQL whose SQL dialect Tern follows.
func VersionString() string {
	return fmt.Sprintf("PostgreSQL 15.0 (Tern %s) on %s/%s, compiled by %s", TernVersion, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// Session and statement-time functions are folded to constants while binding. The time ones
// all answer the statement time (binder.now): Tern has no multi-statement transaction clock,
// so transaction_timestamp() equals statement_timestamp() and now(). The session time zone is
// UTC, so localtimestamp and current_date are the UTC wall clock.

// sessionFunc binds the function-call forms: now(), statement_timestamp(),
// transaction_timestamp(), version(), current_database(), current_schema(),
// pg_backend_pid(). ok is false for other names or argument counts.
func (b *binder) sessionFunc(name string, nargs int) (logical.Expr, bool) {
	if nargs != 0 {
		return nil, false
	}
	switch name {
	case "now", "statement_timestamp", "transaction_timestamp":
		return b.timestampTZ(-1), true
	case "version":
		return textLit(VersionString()), true
	case "current_database":
		return textLit(DatabaseName), true
	case "current_schema":
		return textLit(b.sess.Schema), true
	case "current_user", "session_user": // "current_user"() quoted: the function form
		return textLit(b.sess.User), true
	case "pg_backend_pid":
		// no backend process per session: the serving process
		return &logical.Literal{Typ: catalog.Int32, Value: int64(int32(os.Getpid()))}, true
	}
	return nil, false
}

// sqlValueFunc binds CURRENT_DATE, CURRENT_TIMESTAMP[(p)], LOCALTIMESTAMP[(p)],
// CURRENT_USER, SESSION_USER, USER, CURRENT_ROLE, CURRENT_CATALOG and CURRENT_SCHEMA.
func (b *binder) sqlValueFunc(f *pg.SQLValueFunction) (logical.Expr, error) {
	switch f.Op {
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		days := b.now.Unix() / 86400
		if b.now.Unix() < 0 && b.now.Unix()%86400 != 0 {
			days--
		}
		return &logical.Literal{Typ: catalog.Date, Value: int32(days)}, nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:
		return b.timestampTZ(-1), nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		return b.timestampTZ(f.Typmod), nil
	case pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		p := int32(-1)
		if f.Op == pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N {
			p = f.Typmod
		}
		return &logical.Literal{Typ: catalog.Timestamp, Value: roundMicros(b.now.UnixMicro(), p)}, nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg.SQLValueFunctionOp_SVFOP_USER,
		pg.SQLValueFunctionOp_SVFOP_SESSION_USER, pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return textLit(b.sess.User), nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return textLit(DatabaseName), nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return textLit(b.sess.Schema), nil
	}
	return nil, b.errAt(f.Location, notSupported("CURRENT_TIME and LOCALTIME are not supported yet (no time type)"))
}

func (b *binder) timestampTZ(precision int32) logical.Expr {
	return &logical.Literal{Typ: catalog.TimestampTZ, Value: roundMicros(b.now.UnixMicro(), precision)}
}

// roundMicros rounds a time in microseconds to precision fractional digits (negative or
// above 6: unchanged), half away from zero as PostgreSQL's AdjustTimestampForTypmod.
func roundMicros(us int64, precision int32) int64 {
	if precision < 0 || precision >= 6 {
		return us
	}
	scale := int64(1)
	for i := precision; i < 6; i++ {
		scale *= 10
	}
	if us >= 0 {
		return (us + scale/2) / scale * scale
	}
	return -((-us + scale/2) / scale * scale)
}

func textLit(s string) logical.Expr { return &logical.Literal{Typ: catalog.Text, Value: s} }
