package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func writeParquet(t *testing.T, path string) {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "temp", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3, 4}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"oslo", "rome", "", "lima"}, []bool{true, true, false, true})
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{-3.5, 18, 0, 21.25}, []bool{true, true, true, true})
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestEndToEndFiles(t *testing.T) {
	allowed := t.TempDir()
	outside := t.TempDir()
	pq := filepath.Join(allowed, "weather.parquet")
	writeParquet(t, pq)
	writeParquet(t, filepath.Join(outside, "secret.parquet"))
	csvPath := filepath.Join(allowed, "people.csv")
	if err := os.WriteFile(csvPath, []byte("id,name,born\n1,ada,1815-12-10\n2,alan,1912-06-23\n3,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, t.TempDir(), "--allow-dir", allowed)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)

	// read_parquet in FROM.
	expectRows(t, mustQuery(t, cn, `SELECT city, temp FROM read_parquet('`+pq+`') WHERE temp > 0 ORDER BY temp DESC`),
		"lima|21.25", "rome|18")

	// COPY ... (FORMAT parquet) into a native table, then query it.
	execUpdate(t, cn, `CREATE TABLE weather (id BIGINT, city TEXT, temp DOUBLE PRECISION)`)
	if n := execUpdate(t, cn, `COPY weather FROM '`+pq+`' (FORMAT parquet)`); n != 4 {
		t.Fatalf("COPY parquet reported %d rows, want 4", n)
	}
	expectRows(t, mustQuery(t, cn, `SELECT count(*), count(city), sum(id) FROM weather`), "4|3|10")

	// COPY ... (FORMAT csv, HEADER true).
	execUpdate(t, cn, `CREATE TABLE people (id INTEGER, name VARCHAR(20), born DATE)`)
	if n := execUpdate(t, cn, `COPY people FROM '`+csvPath+`' (FORMAT csv, HEADER true)`); n != 3 {
		t.Fatalf("COPY csv reported %d rows, want 3", n)
	}
	expectRows(t, mustQuery(t, cn, `SELECT id, name, born FROM people ORDER BY id`),
		"1|ada|1815-12-10", "2|alan|1912-06-23", "3|NULL|NULL")

	// Paths outside --allow-dir are refused, however they are spelled.
	for _, p := range []string{
		filepath.Join(outside, "secret.parquet"),
		allowed + "/../" + filepath.Base(outside) + "/secret.parquet",
		"/etc/passwd",
	} {
		_, err := query(t, cn, `SELECT * FROM read_parquet('`+p+`')`)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized {
			t.Fatalf("read_parquet(%s): want PermissionDenied, got %#v", p, err)
		}
		st, _ := cn.NewStatement()
		st.SetSqlQuery(`COPY weather FROM '` + p + `' (FORMAT parquet)`)
		_, err = st.ExecuteUpdate(t.Context())
		st.Close()
		if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthorized || !strings.Contains(ae.Msg, "allow") {
			t.Fatalf("COPY from %s: want PermissionDenied naming --allow-dir, got %#v", p, err)
		}
	}
	expectRows(t, mustQuery(t, cn, `SELECT count(*) FROM weather`), "4")
}
