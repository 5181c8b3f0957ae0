package sqllogictest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DB is a backend the runner sends SQL to. Values in Rows are canonical text (see
// FormatArrowValue and CanonicalText); Types has one type letter per column.
type DB interface {
	// Exec runs a statement and returns the number of rows it affected (0 if not reported).
	Exec(ctx context.Context, sql string) (int64, error)
	// Query runs a query and returns its column type letters and rows.
	Query(ctx context.Context, sql string) (*Result, error)
}

// SlowRecord is the duration over which a query record is reported as slow (the suite runs
// on every CI run; a slow record is usually one to make cheaper).
const SlowRecord = 2 * time.Second

// Loader is the optional capability behind the `load <data set>` record: make the named
// data set's tables visible to the rest of the file under their plain names (e.g. "tpch":
// the eight TPC-H SF0.1 tables). A backend that cannot load fails the record.
type Loader interface {
	Load(ctx context.Context, dataset string) error
}

// Result is a query result in canonical text form.
type Result struct {
	Types string     // one of I, R, T, B, D per column
	Rows  [][]string // canonical values
}

// Runner runs .slt files against one database.
type Runner struct {
	DB DB
	// Engine names the backend for skipif/onlyif, e.g. "tern" or "postgres".
	Engine string
	// Rewrite replaces the expected output (rows and type letters) of every query that ran
	// without error with the actual results and writes the file back. Errors and failed
	// statements are still reported, never turned into expectations.
	Rewrite bool
	// MaxFailures stops a file after this many failures (0: 50), as later failures are
	// usually consequences of the first ones.
	MaxFailures int
}

// Report is the outcome of running one file and the files it includes.
type Report struct {
	Statements, Queries, Skipped int
	Failures                     []*Failure
	Rewritten                    []string // files written back in rewrite mode
	Slow                         []string // file:line (duration) of records that took over SlowRecord
	Halted                       bool
}

// Failure is one record whose outcome differed from the expectation.
type Failure struct {
	File     string
	Line     int
	SQL      string
	Problem  string // what went wrong, one line
	Expected string // optional, multi-line
	Got      string // optional, multi-line
}

func (f *Failure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s\n  sql: %s", f.File, f.Line, f.Problem, indent(f.SQL, "       "))
	if f.Expected != "" || f.Got != "" {
		fmt.Fprintf(&b, "\n  expected:\n%s\n  got:\n%s", indent4(f.Expected), indent4(f.Got))
	}
	return b.String()
}

func indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

func indent4(s string) string {
	if s == "" {
		return "    (no rows)"
	}
	return "    " + indent(s, "    ")
}

// RunFile runs the file at path (and what it includes) in order. It returns an error only
// when the file cannot be read, parsed or rewritten; SQL outcomes are in the report.
func (r *Runner) RunFile(ctx context.Context, path string) (*Report, error) {
	rep := &Report{}
	err := r.runFile(ctx, path, rep, 0)
	return rep, err
}

func (r *Runner) maxFailures() int {
	if r.MaxFailures > 0 {
		return r.MaxFailures
	}
	return 50
}

func (r *Runner) runFile(ctx context.Context, path string, rep *Report, depth int) error {
	if depth > 16 {
		return fmt.Errorf("%s: include nesting deeper than 16", path)
	}
	s, err := ParseFile(path)
	if err != nil {
		return err
	}
	edits := map[*Record]*Result{}
	for _, rec := range s.Records {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(rep.Failures) >= r.maxFailures() {
			break
		}
		if !rec.Applies(r.Engine) {
			rep.Skipped++
			continue
		}
		switch rec.Kind {
		case KindHalt:
			rep.Halted = true
		case KindInclude:
			pattern := rec.Path
			if !filepath.IsAbs(pattern) {
				pattern = filepath.Join(filepath.Dir(path), pattern)
			}
			matches, err := filepath.Glob(pattern)
			if err != nil || len(matches) == 0 {
				return fmt.Errorf("%s:%d: include %q matches no file", path, rec.Line, rec.Path)
			}
			sort.Strings(matches)
			for _, m := range matches {
				if err := r.runFile(ctx, m, rep, depth+1); err != nil {
					return err
				}
				if rep.Halted {
					break
				}
			}
		case KindLoad:
			rep.Statements++
			if f := r.runLoad(ctx, path, rec); f != nil {
				rep.Failures = append(rep.Failures, f)
			}
		case KindStatement:
			rep.Statements++
			if f := r.runStatement(ctx, path, rec); f != nil {
				rep.Failures = append(rep.Failures, f)
			}
		case KindQuery:
			rep.Queries++
			start := time.Now()
			res, f := r.runQuery(ctx, path, rec)
			if d := time.Since(start); d > SlowRecord {
				rep.Slow = append(rep.Slow, fmt.Sprintf("%s:%d (%v)", filepath.Base(path), rec.Line, d.Round(time.Millisecond)))
			}
			if res != nil && r.Rewrite {
				edits[rec] = res // the mismatch, if any, is fixed by the rewrite
				f = nil
			}
			if f != nil {
				rep.Failures = append(rep.Failures, f)
			}
		}
		if rep.Halted {
			break
		}
	}
	if r.Rewrite && len(edits) > 0 {
		changed, err := rewrite(path, s, edits)
		if err != nil {
			return err
		}
		if changed {
			rep.Rewritten = append(rep.Rewritten, path)
		}
	}
	return nil
}

func (r *Runner) runLoad(ctx context.Context, path string, rec *Record) *Failure {
	fail := func(problem string) *Failure {
		return &Failure{File: path, Line: rec.Line, SQL: "load " + rec.Path, Problem: problem}
	}
	l, ok := r.DB.(Loader)
	if !ok {
		return fail(fmt.Sprintf("%s cannot load data sets", r.Engine))
	}
	if err := l.Load(ctx, rec.Path); err != nil {
		return fail("load " + rec.Path + ": " + err.Error())
	}
	return nil
}

func (r *Runner) runStatement(ctx context.Context, path string, rec *Record) *Failure {
	n, err := r.DB.Exec(ctx, rec.SQL)
	fail := func(problem string) *Failure {
		return &Failure{File: path, Line: rec.Line, SQL: rec.SQL, Problem: problem}
	}
	if f := checkError(rec, err, fail); f != nil || rec.ExpectError || err != nil {
		return f
	}
	if rec.Count >= 0 && n != rec.Count {
		return fail(fmt.Sprintf("statement affected %d rows, expected %d", n, rec.Count))
	}
	return nil
}

// checkError compares an outcome against the record's error expectation.
func checkError(rec *Record, err error, fail func(string) *Failure) *Failure {
	switch {
	case rec.ExpectError && err == nil:
		what := "any error"
		if rec.ErrorText != "" {
			what = fmt.Sprintf("an error matching %q", rec.ErrorText)
		}
		return fail("succeeded, expected " + what)
	case rec.ExpectError && rec.ErrorRe != nil && !rec.ErrorRe.MatchString(err.Error()):
		return fail(fmt.Sprintf("error %q does not match %q", err.Error(), rec.ErrorText))
	case !rec.ExpectError && err != nil:
		return fail("failed: " + err.Error())
	}
	return nil
}

// runQuery runs a query record. It returns the result when the query ran without error (for
// rewriting) and a failure when the outcome differs from the expectation.
func (r *Runner) runQuery(ctx context.Context, path string, rec *Record) (*Result, *Failure) {
	res, err := r.DB.Query(ctx, rec.SQL)
	fail := func(problem string) *Failure {
		return &Failure{File: path, Line: rec.Line, SQL: rec.SQL, Problem: problem}
	}
	if f := checkError(rec, err, fail); f != nil || rec.ExpectError || err != nil {
		return nil, f
	}
	for i, row := range res.Rows {
		if len(row) != len(res.Types) {
			return nil, fail(fmt.Sprintf("backend returned row %d with %d values for %d columns", i, len(row), len(res.Types)))
		}
	}
	got := RenderRows(res.Rows, rec.Sort)
	want := append([]string(nil), rec.Expected...)
	if rec.Sort == RowSort || rec.Sort == ValueSort {
		sort.Strings(want)
	}
	switch {
	case res.Types != rec.Types:
		f := fail(fmt.Sprintf("column types %q, expected %q", res.Types, rec.Types))
		f.Expected, f.Got = strings.Join(want, "\n"), strings.Join(got, "\n")
		return res, f
	case !equalLines(got, want):
		f := fail(fmt.Sprintf("result mismatch (%s)", firstDifference(want, got)))
		f.Expected, f.Got = strings.Join(want, "\n"), strings.Join(got, "\n")
		return res, f
	}
	return res, nil
}

// RenderRows renders rows as .slt result lines: values joined by one space per row, sorted
// for rowsort; for valuesort every value on its own line, sorted.
func RenderRows(rows [][]string, mode SortMode) []string {
	var out []string
	if mode == ValueSort {
		for _, row := range rows {
			out = append(out, row...)
		}
	} else {
		for _, row := range rows {
			out = append(out, strings.TrimRight(strings.Join(row, " "), " \t"))
		}
	}
	if mode != NoSort {
		sort.Strings(out)
	}
	return out
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func firstDifference(want, got []string) string {
	for i := 0; i < len(want) && i < len(got); i++ {
		if want[i] != got[i] {
			return fmt.Sprintf("line %d: expected %q, got %q", i+1, want[i], got[i])
		}
	}
	return fmt.Sprintf("expected %d lines, got %d", len(want), len(got))
}

// rewrite writes the file back with the expected output of the given records replaced by
// their results. It reports whether the file changed.
func rewrite(path string, s *Script, edits map[*Record]*Result) (bool, error) {
	var out []string
	next := 0
	for _, rec := range s.Records {
		res, ok := edits[rec]
		if !ok {
			continue
		}
		out = append(out, s.Lines[next:rec.headerIdx]...)
		header := "query " + res.Types
		if rec.SortWord != "" {
			header += " " + rec.SortWord
		}
		out = append(out, header)
		out = append(out, s.Lines[rec.headerIdx+1:rec.sqlEnd]...)
		rows := RenderRows(res.Rows, rec.Sort)
		if len(rows) > 0 || rec.HasSep {
			out = append(out, "----")
			out = append(out, rows...)
		}
		next = rec.end
	}
	out = append(out, s.Lines[next:]...)
	text := strings.Join(out, "\n") + "\n"
	if text == strings.Join(s.Lines, "\n")+"\n" {
		return false, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return true, os.WriteFile(path, []byte(text), info.Mode().Perm())
}
