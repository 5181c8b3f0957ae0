package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2"
)

// duck is the anchor: an in-memory DuckDB reading the same Parquet files through views.
type duck struct {
	db *sql.DB
	cn *sql.Conn
}

func openDuck(ctx context.Context, threads int) (*duck, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	cn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	d := &duck{db: db, cn: cn}
	if _, err := cn.ExecContext(ctx, fmt.Sprintf("SET threads = %d", threads)); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// viewParquet makes each table of dir (dir/<table>.parquet) a view.
func (d *duck) viewParquet(ctx context.Context, dir string, tables []string) error {
	for _, t := range tables {
		p := filepath.Join(dir, t+".parquet")
		q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet('%s')", t, strings.ReplaceAll(p, "'", "''"))
		if _, err := d.cn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: %s: %w", t, err)
		}
	}
	return nil
}

func (d *duck) Close() {
	d.cn.Close()
	d.db.Close()
}

func (d *duck) exec(ctx context.Context, q string) error {
	_, err := d.cn.ExecContext(ctx, q)
	return err
}

// query runs q and keeps the result as text.
func (d *duck) query(ctx context.Context, q string) (*result, error) {
	rows, err := d.cn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &result{cols: cols}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = sqlCell(v)
		}
		res.rows = append(res.rows, row)
	}
	return res, rows.Err()
}
