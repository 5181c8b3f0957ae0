package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// Official dbgen answers of TPC-H Q1 and Q6 at SF1 (from the TPC-H kit's answers/q1.out and
// q6.out), for checking generated SF1 data.
var sf1Answers = map[int]*result{
	1: {rows: [][]string{
		{"A", "F", "37734107.00", "56586554400.73", "53758257134.87", "55909065222.83", "25.52", "38273.13", "0.05", "1478493"},
		{"N", "F", "991417.00", "1487504710.38", "1413082168.05", "1469649223.19", "25.52", "38284.47", "0.05", "38854"},
		{"N", "O", "74476040.00", "111701729697.74", "106118230307.61", "110367043872.50", "25.50", "38249.12", "0.05", "2920374"},
		{"R", "F", "37719753.00", "56568041380.90", "53741292684.60", "55889619119.83", "25.51", "38250.85", "0.05", "1478870"},
	}},
	6: {rows: [][]string{{"123141078.23"}}},
}

// runGen generates TPC-H data and, with --verify, checks the generator: row counts; the rows
// whose values do not depend on the scale factor (all of nation and region, the first
// customers, suppliers and parts) against the reference SF0.1 files made by the official
// dbgen; and at SF1 the official answers of Q1 and Q6.
func runGen(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	if o.sf == 0.1 {
		fmt.Fprintln(stderr, "bench: SF0.1 is the reference set in shared/tpch/sf0.1; gen makes whole scale factors")
		return 2
	}
	dir, err := tpchDataDir(ctx, o.sf, o.shared, o.data, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "TPC-H SF%v in %s\n", o.sf, dir)
	if !o.verify {
		return 0
	}
	failed := 0
	report := func(ok bool, format string, args ...any) {
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s %s\n", mark, fmt.Sprintf(format, args...))
	}
	sf := int64(o.sf)
	want := map[string]int64{"customer": 150000 * sf, "orders": 1500000 * sf, "part": 200000 * sf,
		"partsupp": 800000 * sf, "supplier": 10000 * sf, "nation": 25, "region": 5}
	if sf == 1 {
		want["lineitem"] = 6001215
	}
	for _, t := range tpchTables {
		n, err := parquetRows(filepath.Join(dir, t+".parquet"))
		if err != nil {
			report(false, "%s: %v", t, err)
			continue
		}
		if w, ok := want[t]; ok {
			report(n == w, "%s: %d rows (want %d)", t, n, w)
		} else {
			fmt.Fprintf(stdout, "     %s: %d rows\n", t, n)
		}
	}
	dk, err := openDuck(ctx, o.threads)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	defer dk.Close()
	ref := filepath.Join(o.shared, "tpch", "sf0.1")
	same := []struct{ table, where string }{
		{"nation", ""}, {"region", ""},
		{"customer", "c_custkey <= 15000"}, {"supplier", "s_suppkey <= 1000"}, {"part", "p_partkey <= 20000"},
	}
	for _, s := range same {
		g := filepath.Join(dir, s.table+".parquet")
		r := filepath.Join(ref, s.table+".parquet")
		where := ""
		if s.where != "" {
			where = " WHERE " + s.where
		}
		// Free text (comments, addresses) comes from dbgen's text pool and random strings,
		// which differ between dbgen builds; every other column must be equal.
		var cols, text []string
		for _, f := range tpchSchema(s.table).Fields() {
			if strings.HasSuffix(f.Name, "_comment") || strings.HasSuffix(f.Name, "_address") {
				text = append(text, f.Name)
			} else {
				cols = append(cols, f.Name)
			}
		}
		diff := func(c []string) (string, string, string, error) {
			sel := strings.Join(c, ", ")
			q := fmt.Sprintf(`SELECT (SELECT count(*) FROM (SELECT %[4]s FROM read_parquet('%[1]s') EXCEPT ALL SELECT %[4]s FROM read_parquet('%[2]s')%[3]s)),
				(SELECT count(*) FROM (SELECT %[4]s FROM read_parquet('%[2]s')%[3]s EXCEPT ALL SELECT %[4]s FROM read_parquet('%[1]s'))),
				(SELECT count(*) FROM read_parquet('%[1]s'))`, r, g, where, sel)
			res, err := dk.query(ctx, q)
			if err != nil {
				return "", "", "", err
			}
			return res.rows[0][0], res.rows[0][1], res.rows[0][2], nil
		}
		a, b, n, err := diff(cols)
		if err != nil {
			report(false, "%s: %v", s.table, err)
			continue
		}
		report(a == "0" && b == "0", "%s: the %s reference rows equal the generated ones in %s (differing rows %s/%s)",
			s.table, n, strings.Join(cols, ","), a, b)
		if a, _, _, err := diff(append(cols, text...)); err == nil {
			fmt.Fprintf(stdout, "     %s: %s of %s rows differ once free text (%s) is compared too\n", s.table, a, n, strings.Join(text, ","))
		}
	}
	if sf == 1 {
		if err := dk.viewParquet(ctx, dir, tpchTables); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		for _, n := range []int{1, 6} {
			q, err := os.ReadFile(filepath.Join(o.shared, "tpch", "queries", fmt.Sprintf("q%02d.sql", n)))
			if err != nil {
				report(false, "Q%d: %v", n, err)
				continue
			}
			res, err := dk.query(ctx, string(q))
			if err != nil {
				report(false, "Q%d: %v", n, err)
				continue
			}
			ok, msg := check(res, sf1Answers[n])
			report(ok, "Q%d on the generated data (DuckDB) matches the official SF1 answer %s", n, msg)
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "%d checks failed\n", failed)
		return 1
	}
	fmt.Fprintln(stdout, strings.TrimSpace("all checks passed"))
	return 0
}

func parquetRows(path string) (int64, error) {
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return 0, err
	}
	defer pr.Close()
	return pr.NumRows(), nil
}
