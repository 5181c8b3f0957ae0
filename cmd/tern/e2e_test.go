package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-adbc/go/adbc/sqldriver"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/gateway/sqllogictest"
)

// These tests run the real binary as a process and talk to it only through the ADBC Flight
// SQL driver, as a user would.

var ternBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tern-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ternBin = filepath.Join(dir, "tern")
	build := exec.Command("go", "build", "-o", ternBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tern:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `tern serve` process.
type server struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string
	out  *strings.Builder
	done chan error
}

const adminPassword = "e2e-secret"

func startServer(t testing.TB, dataDir string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dataDir}, extra...)
	cmd := exec.Command(ternBin, args...)
	cmd.Env = append(os.Environ(), "TERN_ADMIN_PASSWORD="+adminPassword)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, out: &errOut, done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "tern: listening on "); ok {
				lines <- a
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.addr = <-lines:
	case err := <-s.done:
		t.Fatalf("tern serve exited early: %v\n%s", err, errOut.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("tern serve did not start\n%s", errOut.String())
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Errorf("tern serve did not exit cleanly: %v\n%s", err, s.out.String())
		}
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		s.t.Errorf("tern serve did not stop on SIGTERM")
	}
}

func openADBC(t testing.TB, addr, user, password string) (adbc.Connection, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	drv := adbcflight.NewDriver(mem)
	db, err := drv.NewDatabase(map[string]string{
		adbc.OptionKeyURI:      "grpc://" + addr,
		adbc.OptionKeyUsername: user,
		adbc.OptionKeyPassword: password,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(context.Background())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		cn.Close()
		mem.AssertSize(t, 0)
	})
	return cn, mem
}

func execUpdate(t testing.TB, cn adbc.Connection, q string) int64 {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		t.Fatal(err)
	}
	n, err := st.ExecuteUpdate(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// query runs q and renders rows as "v1|v2" strings.
func query(t testing.TB, cn adbc.Connection, q string) ([]string, error) {
	t.Helper()
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		t.Fatal(err)
	}
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		rec := rdr.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			var cells []string
			for c := 0; c < int(rec.NumCols()); c++ {
				cells = append(cells, sqllogictest.FormatArrowValue(rec.Column(c), r))
			}
			out = append(out, strings.Join(cells, "|"))
		}
	}
	return out, rdr.Err()
}

func mustQuery(t testing.TB, cn adbc.Connection, q string) []string {
	t.Helper()
	rows, err := query(t, cn, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return rows
}

func expectRows(t testing.TB, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows differ\n got: %q\nwant: %q", got, want)
	}
}

const joinQuery = `SELECT c.name, count(*) AS orders, sum(o.amount) AS total, max(o.day) AS last
FROM customers c JOIN orders o ON o.customer_id = c.id
WHERE o.amount > 1
GROUP BY c.name
HAVING count(*) >= 1
ORDER BY total DESC, c.name`

func TestEndToEndSessionSurvivesRestart(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)

	execUpdate(t, cn, `CREATE TABLE customers (id INTEGER NOT NULL, name VARCHAR(40), vip BOOLEAN)`)
	execUpdate(t, cn, `CREATE TABLE orders (id BIGINT, customer_id INTEGER, amount NUMERIC(12,2), day DATE)`)
	if n := execUpdate(t, cn, `INSERT INTO customers VALUES (1, 'ada', true), (2, 'bob', false), (3, 'cy', NULL)`); n != 3 {
		t.Fatalf("insert reported %d rows, want 3", n)
	}
	execUpdate(t, cn, `INSERT INTO orders VALUES
		(10, 1, 12.50, DATE '2024-01-02'), (11, 1, 7.25, '2024-02-03'),
		(12, 2, 100.00, '2024-01-05'), (13, 2, 0.99, '2024-03-01'),
		(14, 3, NULL, '2024-03-02'), (15, 9, 5.00, '2024-04-01')`)
	want := []string{"bob|1|100.00|2024-01-05", "ada|2|19.75|2024-02-03"}
	expectRows(t, mustQuery(t, cn, joinQuery), want...)

	// A bad query names what was wrong, with InvalidArgument/NotFound, and the server goes on.
	_, err := query(t, cn, `SELECT nme FROM customers`)
	var ae adbc.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Msg, `column "nme" does not exist`) {
		t.Fatalf("bad column: got %v", err)
	}
	_, err = query(t, cn, `SELEC 1`)
	if !errors.As(err, &ae) || ae.Code != adbc.StatusInvalidArgument || !strings.Contains(ae.Msg, "syntax error") {
		t.Fatalf("syntax error: got %#v", err)
	}
	_, err = query(t, cn, `SELECT id + name FROM customers`)
	if !errors.As(err, &ae) || ae.Code != adbc.StatusInvalidArgument {
		t.Fatalf("type mismatch: got %#v", err)
	}
	expectRows(t, mustQuery(t, cn, `SELECT count(*) FROM customers`), "3")

	// Restart: the same answers from disk.
	cn.Close()
	srv.stop()
	srv2 := startServer(t, data)
	cn2, _ := openADBC(t, srv2.addr, "admin", adminPassword)
	expectRows(t, mustQuery(t, cn2, joinQuery), want...)
}

func TestEndToEndAuth(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	drv := adbcflight.NewDriver(mem)
	db, err := drv.NewDatabase(map[string]string{
		adbc.OptionKeyURI:      "grpc://" + srv.addr,
		adbc.OptionKeyUsername: "admin",
		adbc.OptionKeyPassword: "wrong",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn, err := db.Open(context.Background())
	if err == nil {
		_, err = query(t, cn, "SELECT 1")
		cn.Close()
	}
	var ae adbc.Error
	if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthenticated {
		t.Fatalf("wrong password: got %#v", err)
	}
	// No credentials at all.
	db2, err := drv.NewDatabase(map[string]string{adbc.OptionKeyURI: "grpc://" + srv.addr})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	cn2, err := db2.Open(context.Background())
	if err == nil {
		_, err = query(t, cn2, "SELECT 1")
		cn2.Close()
	}
	if !errors.As(err, &ae) || ae.Code != adbc.StatusUnauthenticated {
		t.Fatalf("no credentials: got %#v", err)
	}
}

func TestEndToEndDatabaseSQL(t *testing.T) {
	srv := startServer(t, t.TempDir())
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	sql.Register("tern-e2e-"+t.Name(), sqldriver.Driver{Driver: adbcflight.NewDriver(mem)})
	db, err := sql.Open("tern-e2e-"+t.Name(), fmt.Sprintf("uri=grpc://%s;username=admin;password=%s", srv.addr, adminPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE kv (k INTEGER, v TEXT, d DOUBLE PRECISION)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO kv VALUES ($1, $2, $3)`, int32(i), fmt.Sprintf("v%d", i), float64(i)/2); err != nil {
			t.Fatalf("insert with parameters: %v", err)
		}
	}
	// ADBC's database/sql adapter binds parameters of DB.QueryContext without preparing the
	// statement (it then refuses them client-side as a bulk ingest), so queries with
	// parameters go through an explicit prepared statement, as JDBC-style clients do anyway.
	ps, err := db.PrepareContext(ctx, `SELECT k, v, d FROM kv WHERE k >= $1 ORDER BY k DESC LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	rows, err := ps.QueryContext(ctx, int32(3))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var k int32
		var v string
		var d float64
		if err := rows.Scan(&k, &v, &d); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d|%s|%g", k, v, d))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	expectRows(t, got, "5|v5|2.5", "4|v4|2")
}
