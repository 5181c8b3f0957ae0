package sqllogictest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Postgres is a DB backed by a real PostgreSQL server, used to replay .slt files so their
// expected output is PostgreSQL's. It uses the simple query protocol, so every value arrives
// in PostgreSQL's own text output form, with TimeZone=UTC, DateStyle=ISO,
// IntervalStyle=postgres and extra_float_digits=1 (the default). Each Postgres works in a
// fresh schema of its own, dropped by Close.
type Postgres struct {
	conn   *pgconn.PgConn
	Schema string
}

var _ DB = (*Postgres)(nil)

// OpenPostgres connects to dsn (a postgres:// URL or key=value string), creates a schema
// slt_<random> and sets search_path to it alone.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"TimeZone":           "UTC",
		"DateStyle":          "ISO, MDY",
		"IntervalStyle":      "postgres",
		"extra_float_digits": "1",
		"client_encoding":    "UTF8",
		"application_name":   "tern-sqllogictest",
	} {
		cfg.RuntimeParams[k] = v
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	db := &Postgres{conn: conn, Schema: "slt_" + hex.EncodeToString(b[:])}
	if _, err := db.Exec(ctx, fmt.Sprintf("CREATE SCHEMA %s; SET search_path TO %s", db.Schema, db.Schema)); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("creating schema %s: %w", db.Schema, err)
	}
	return db, nil
}

// pgResult is one statement's outcome; fields is nil for statements that return no rows.
type pgResult struct {
	fields []pgconn.FieldDescription
	rows   [][]string
	tag    pgconn.CommandTag
}

// run sends sql with the simple protocol and reads every statement's result as text.
func (db *Postgres) run(ctx context.Context, sql string) ([]pgResult, error) {
	mrr := db.conn.Exec(ctx, sql)
	var out []pgResult
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		r := pgResult{}
		if fds := rr.FieldDescriptions(); fds != nil {
			r.fields = append([]pgconn.FieldDescription{}, fds...)
		}
		for rr.NextRow() {
			vals := rr.Values()
			row := make([]string, len(vals))
			for i, v := range vals {
				if v == nil {
					row[i] = NullText
				} else {
					row[i] = CanonicalText(string(v))
				}
			}
			r.rows = append(r.rows, row)
		}
		tag, err := rr.Close()
		if err != nil {
			mrr.Close()
			return nil, err
		}
		r.tag = tag
		out = append(out, r)
	}
	return out, mrr.Close()
}

// Exec runs sql (possibly several statements) and returns the rows affected by the last.
func (db *Postgres) Exec(ctx context.Context, sql string) (int64, error) {
	results, err := db.run(ctx, sql)
	if err != nil || len(results) == 0 {
		return 0, err
	}
	return results[len(results)-1].tag.RowsAffected(), nil
}

// Query runs sql and returns the result of its last statement that returns rows.
func (db *Postgres) Query(ctx context.Context, sql string) (*Result, error) {
	results, err := db.run(ctx, sql)
	if err != nil {
		return nil, err
	}
	var last *pgResult
	for i := range results {
		if results[i].fields != nil {
			last = &results[i]
		}
	}
	if last == nil {
		return nil, errors.New("statement returned no result set")
	}
	res := &Result{Rows: last.rows}
	for _, f := range last.fields {
		res.Types += string(PostgresTypeLetter(f.DataTypeOID))
	}
	return res, nil
}

// Close drops the schema with everything in it and closes the connection.
func (db *Postgres) Close(ctx context.Context) error {
	_, err := db.Exec(ctx, "RESET search_path; DROP SCHEMA IF EXISTS "+db.Schema+" CASCADE")
	return errors.Join(err, db.conn.Close(ctx))
}
