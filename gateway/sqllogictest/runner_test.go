package sqllogictest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDB answers from fixed maps keyed by SQL text.
type fakeDB struct {
	results map[string]*Result
	errs    map[string]string
	counts  map[string]int64
	seen    []string
}

func (f *fakeDB) Exec(_ context.Context, sql string) (int64, error) {
	f.seen = append(f.seen, sql)
	if e, ok := f.errs[sql]; ok {
		return 0, errors.New(e)
	}
	return f.counts[sql], nil
}

func (f *fakeDB) Query(_ context.Context, sql string) (*Result, error) {
	f.seen = append(f.seen, sql)
	if e, ok := f.errs[sql]; ok {
		return nil, errors.New(e)
	}
	if r, ok := f.results[sql]; ok {
		return r, nil
	}
	return nil, errors.New("no such query: " + sql)
}

func newFake() *fakeDB {
	return &fakeDB{
		results: map[string]*Result{
			"SELECT a, b FROM t": {Types: "IT", Rows: [][]string{{"2", "b c"}, {"1", "NULL"}}},
			"SELECT 1":           {Types: "I", Rows: [][]string{{"1"}}},
			"SELECT none":        {Types: "R"},
		},
		errs:   map[string]string{"SELECT bad": `ERROR: relation "bad" does not exist (SQLSTATE 42P01)`},
		counts: map[string]int64{"INSERT 2": 2},
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunnerPasses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "inc.slt", "statement count 2\nINSERT 2\n")
	p := writeFile(t, dir, "ok.slt", `include inc.slt

query IT rowsort
SELECT a, b FROM t
----
1 NULL
2 b c

query IT valuesort
SELECT a, b FROM t
----
1
2
NULL
b c

onlyif tern
query I
SELECT never

skipif tern
query I
SELECT 1
----
1

query R
SELECT none

statement error relation "bad" does not exist
SELECT bad

query error .*
SELECT bad

halt

query I
SELECT after_halt
`)
	db := newFake()
	rep, err := (&Runner{DB: db, Engine: "postgres"}).RunFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Error(f)
	}
	if rep.Statements != 2 || rep.Queries != 5 || rep.Skipped != 1 || !rep.Halted {
		t.Errorf("report %+v", rep)
	}
	if db.seen[0] != "INSERT 2" {
		t.Errorf("include did not run first: %v", db.seen)
	}
}

func TestRunnerFailures(t *testing.T) {
	p := writeFile(t, t.TempDir(), "bad.slt", `statement ok
SELECT bad

statement error something else
SELECT bad

statement error
SELECT 1

statement count 3
INSERT 2

query IT
SELECT a, b FROM t
----
1 NULL
2 b c

query II rowsort
SELECT a, b FROM t
----
1 NULL
2 b c

query I
SELECT bad
`)
	rep, err := (&Runner{DB: newFake(), Engine: "tern"}).RunFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Failures {
		got = append(got, f.Error())
	}
	want := []string{
		`bad.slt:1: failed: ERROR: relation "bad" does not exist`,
		`bad.slt:4: error "ERROR: relation \"bad\" does not exist (SQLSTATE 42P01)" does not match "something else"`,
		`bad.slt:7: succeeded, expected any error`,
		`bad.slt:10: statement affected 2 rows, expected 3`,
		"bad.slt:13: result mismatch (line 1: expected \"1 NULL\", got \"2 b c\")\n  sql: SELECT a, b FROM t\n  expected:\n    1 NULL\n    2 b c\n  got:\n    2 b c\n    1 NULL",
		`bad.slt:19: column types "IT", expected "II"`,
		`bad.slt:25: failed: ERROR: relation "bad"`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d failures, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("failure %d:\n%s\nwant it to contain:\n%s", i, got[i], want[i])
		}
	}
}

func TestRunnerRewrite(t *testing.T) {
	p := writeFile(t, t.TempDir(), "rw.slt", `# keep me
query T rowsort
SELECT a, b FROM t
----
wrong

query I
SELECT 1

query I
SELECT none
----
5

statement ok
SELECT bad
`)
	rep, err := (&Runner{DB: newFake(), Engine: "postgres", Rewrite: true}).RunFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 || rep.Failures[0].Line != 15 {
		t.Errorf("failures: %v", rep.Failures)
	}
	if len(rep.Rewritten) != 1 {
		t.Errorf("rewritten: %v", rep.Rewritten)
	}
	b, _ := os.ReadFile(p)
	want := `# keep me
query IT rowsort
SELECT a, b FROM t
----
1 NULL
2 b c

query I
SELECT 1
----
1

query R
SELECT none
----

statement ok
SELECT bad
`
	if string(b) != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", b, want)
	}
	// A second run passes and changes nothing.
	rep, err = (&Runner{DB: newFake(), Engine: "postgres", Rewrite: true}).RunFile(context.Background(), p)
	if err != nil || len(rep.Rewritten) != 0 {
		t.Errorf("second rewrite: %v %v", err, rep.Rewritten)
	}
}
