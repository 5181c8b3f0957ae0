package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// qResult is what one TPC-H query gave on both engines.
type qResult struct {
	n                  int
	tern, duck         []time.Duration
	ternErr, duckErr   error
	ternRes, duckRes   *result
	ternOK, duckOK     bool
	ternNote, duckNote string
}

// tpchColumns reads schema.txt ("table.column TYPE" lines) into each table's column list.
func tpchColumns(path string) (map[string][][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cols := map[string][][2]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, typ, ok := strings.Cut(line, " ")
		t, c, ok2 := strings.Cut(name, ".")
		if !ok || !ok2 {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		cols[t] = append(cols[t], [2]string{c, strings.TrimSpace(typ)})
	}
	return cols, sc.Err()
}

// loadTern creates the TPC-H tables in Tern, copies each Parquet file in and runs ANALYZE. It returns the
// rows loaded and the time taken.
func loadTern(ctx context.Context, cl *flightClient, schemaPath, dir string) (int64, time.Duration, error) {
	cols, err := tpchColumns(schemaPath)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	var rows int64
	for _, t := range tpchTables {
		var defs []string
		for _, c := range cols[t] {
			typ := c[1]
			if strings.HasPrefix(typ, "DECIMAL") {
				typ = "NUMERIC" + strings.TrimPrefix(typ, "DECIMAL")
			}
			defs = append(defs, c[0]+" "+typ)
		}
		if _, err := cl.exec(ctx, fmt.Sprintf("CREATE TABLE %s (%s)", t, strings.Join(defs, ", "))); err != nil {
			return rows, 0, fmt.Errorf("creating %s in Tern: %w", t, err)
		}
		p := filepath.Join(dir, t+".parquet")
		n, err := cl.exec(ctx, fmt.Sprintf("COPY %s FROM '%s' (FORMAT parquet)", t, p))
		if err != nil {
			return rows, 0, fmt.Errorf("loading %s into Tern: %w", t, err)
		}
		rows += n
	}
	// Statistics for the optimizer, as a user would gather them after a load (DuckDB keeps
	// its own automatically). Counted in the load time.
	if _, err := cl.exec(ctx, "ANALYZE"); err != nil {
		return rows, 0, fmt.Errorf("analyzing in Tern: %w", err)
	}
	return rows, time.Since(start), nil
}

// tpchEnv is a Tern server loaded with one scale factor.
type tpchEnv struct {
	o       *options
	dir     string
	srv     *ternServer
	stop    func()
	cl      *flightClient
	rows    int64
	load    time.Duration
	loadMem int64
}

func (e *tpchEnv) start(ctx context.Context) error {
	srv, stop, err := e.o.startTernFor(ctx, e.dir)
	if err != nil {
		return err
	}
	e.srv, e.stop = srv, stop
	if e.cl, err = openTern(ctx, srv.addr); err != nil {
		e.close()
		return err
	}
	fmt.Fprintf(e.o.log, "bench: loading %s into tern (pid %d)\n", e.dir, srv.pid)
	e.rows, e.load, err = loadTern(ctx, e.cl, filepath.Join(e.o.shared, "tpch", "schema.txt"), e.dir)
	if err != nil {
		e.close()
		return err
	}
	e.loadMem = srv.peak()
	srv.resetPeak()
	return nil
}

func (e *tpchEnv) close() {
	if e.cl != nil {
		e.cl.Close()
		e.cl = nil
	}
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
}

// guard cancels the returned context when the server's memory passes the limit.
func guard(ctx context.Context, srv *ternServer, limit int64) (context.Context, func(), *atomic.Bool) {
	qctx, cancel := context.WithCancel(ctx)
	var hit atomic.Bool
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v, err := procStatus(srv.pid, "VmRSS"); err == nil && v > limit {
					hit.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	return qctx, func() { close(done); cancel() }, &hit
}

func runTPCH(ctx context.Context, o *options, rep *report, stdout io.Writer) error {
	dir, err := tpchDataDir(ctx, o.sf, o.shared, o.data, o.log)
	if err != nil {
		return err
	}
	env := &tpchEnv{o: o, dir: dir}
	if err := env.start(ctx); err != nil {
		return err
	}
	defer func() { env.close() }()

	dk, err := openDuck(ctx, o.threads)
	if err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	defer dk.Close()
	if err := dk.viewParquet(ctx, dir, tpchTables); err != nil {
		return err
	}

	limit := int64(o.memLimitGiB * (1 << 30))
	var results []*qResult
	crashes := 0
	for _, n := range o.queries {
		if err := ctx.Err(); err != nil {
			return err
		}
		qpath := filepath.Join(o.shared, "tpch", "queries", fmt.Sprintf("q%02d.sql", n))
		b, err := os.ReadFile(qpath)
		if err != nil {
			return err
		}
		q := string(b)
		r := &qResult{n: n}
		results = append(results, r)
		for run := 0; run < o.runs; run++ {
			// Interleaved: Tern then DuckDB, run after run.
			if r.ternErr == nil && env.cl != nil {
				qctx, release := context.WithTimeout(ctx, o.timeout)
				gctx, stopGuard, hit := guard(qctx, env.srv, limit)
				t0 := time.Now()
				res, err := env.cl.query(gctx, q)
				d := time.Since(t0)
				stopGuard()
				release()
				switch {
				case err != nil && hit.Load():
					r.ternErr = fmt.Errorf("cancelled: server memory passed %.0f GiB", o.memLimitGiB)
				case err != nil && errors.Is(qctx.Err(), context.DeadlineExceeded):
					r.ternErr = fmt.Errorf("timeout after %v", o.timeout)
				case err != nil:
					r.ternErr = err
				default:
					r.tern = append(r.tern, d)
					if r.ternRes == nil {
						r.ternRes = res
					}
				}
				if r.ternErr != nil && !env.srv.alive() {
					crashes++
					r.ternErr = fmt.Errorf("server crashed: %v; stderr: %s", r.ternErr, lastLines(env.srv.stderr.String(), 3))
					fmt.Fprintf(o.log, "bench: tern crashed on Q%d; restarting\n", n)
					env.close()
					env = &tpchEnv{o: o, dir: dir}
					if err := env.start(ctx); err != nil {
						return fmt.Errorf("restarting tern: %w", err)
					}
				}
			}
			if r.duckErr == nil {
				qctx, release := context.WithTimeout(ctx, o.timeout)
				t0 := time.Now()
				res, err := dk.query(qctx, q)
				d := time.Since(t0)
				release()
				if err != nil {
					r.duckErr = err
				} else {
					r.duck = append(r.duck, d)
					if r.duckRes == nil {
						r.duckRes = res
					}
				}
			}
		}
		// Check results.
		if o.sf == 0.1 {
			want, err := readAnswer(filepath.Join(o.shared, "tpch", "answers-sf0.1", fmt.Sprintf("q%02d.csv", n)))
			if err != nil {
				return err
			}
			if r.ternErr == nil {
				r.ternOK, r.ternNote = check(r.ternRes, want)
			}
			if r.duckErr == nil {
				r.duckOK, r.duckNote = check(r.duckRes, want)
			}
		} else {
			if r.duckErr == nil {
				r.duckOK, r.duckNote = true, "anchor"
			}
			if r.ternErr == nil && r.duckErr == nil {
				r.ternOK, r.ternNote = check(r.ternRes, r.duckRes)
			} else if r.ternErr == nil {
				r.ternOK, r.ternNote = false, "not checked: DuckDB failed"
			}
		}
		fmt.Fprintf(o.log, "bench: Q%02d tern %s duckdb %s\n", n, brief(r.tern, r.ternErr), brief(r.duck, r.duckErr))
	}
	queryMem := env.srv.peak()

	var prof string
	if o.profile > 0 && env.cl != nil {
		prof = profileSlowest(ctx, o, env, results)
	}
	rep.add(tpchMarkdown(o, env, results, queryMem, crashes, prof))
	return nil
}

func brief(ds []time.Duration, err error) string {
	if err != nil {
		return "error: " + clip(err.Error(), 120)
	}
	return fmtSecs(median(ds)) + "s"
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " / ")
}

// errBrief is the first line of an error, without the driver's prefixes.
func errBrief(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	// The ADBC driver wraps the server's message as "<Code>: [FlightSQL] msg (<Code>; <Op>)".
	if i := strings.Index(s, "[FlightSQL] "); i >= 0 {
		s = s[i+len("[FlightSQL] "):]
	}
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") && strings.Contains(s[i:], "; ") {
		s = s[:i]
	}
	return mdCell(s)
}

func tpchMarkdown(o *options, env *tpchEnv, rs []*qResult, queryMem int64, crashes int, prof string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### TPC-H SF%v: Tern vs DuckDB (median of %d runs, seconds)\n\n", o.sf, o.runs)
	checkAgainst := "reference answers (answers-sf0.1)"
	if o.sf != 0.1 {
		checkAgainst = "DuckDB's result"
	}
	fmt.Fprintf(&b, "Results checked against %s; numbers within 0.01. DuckDB: %d threads, views over the same Parquet files.\n\n", checkAgainst, o.threads)
	b.WriteString("| query | Tern | DuckDB | Tern/DuckDB | Tern result | DuckDB result |\n")
	b.WriteString("| --- | ---: | ---: | ---: | --- | --- |\n")
	var tAll, dAll, tBoth, dBoth time.Duration
	var tRan, tCorrect, dRan, both int
	for _, r := range rs {
		tm, dm := median(r.tern), median(r.duck)
		tCell, dCell, ratio := "failed", "failed", "—"
		if r.ternErr == nil {
			tCell = fmtSecs(tm)
			tAll += tm
			tRan++
			if r.ternOK {
				tCorrect++
			}
		}
		if r.duckErr == nil {
			dCell = fmtSecs(dm)
			dAll += dm
			dRan++
		}
		if r.ternErr == nil && r.duckErr == nil {
			both++
			tBoth += tm
			dBoth += dm
			if dm > 0 {
				ratio = fmt.Sprintf("%.2fx", float64(tm)/float64(dm))
			}
		}
		fmt.Fprintf(&b, "| Q%02d | %s | %s | %s | %s | %s |\n", r.n, tCell, dCell, ratio,
			checkCell(r.ternErr, r.ternOK, r.ternNote), checkCell(r.duckErr, r.duckOK, r.duckNote))
	}
	ratio := "—"
	if dBoth > 0 {
		ratio = fmt.Sprintf("%.2fx", float64(tBoth)/float64(dBoth))
	}
	fmt.Fprintf(&b, "| total of the %d queries both ran | %s | %s | %s | | |\n", both, fmtSecs(tBoth), fmtSecs(dBoth), ratio)
	fmt.Fprintf(&b, "| total of all that ran | %s (%d) | %s (%d) | | | |\n\n", fmtSecs(tAll), tRan, fmtSecs(dAll), dRan)
	fmt.Fprintf(&b, "- Tern: %d of %d queries ran, %d with correct results, %d failed", tRan, len(rs), tCorrect, len(rs)-tRan)
	if crashes > 0 {
		fmt.Fprintf(&b, " (server crashed %d times and was restarted)", crashes)
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "- Tern load: %d rows in %.2fs (%.0f rows/s) via CREATE TABLE + COPY FROM parquet + ANALYZE; server peak memory during load %s.\n",
		env.rows, env.load.Seconds(), float64(env.rows)/env.load.Seconds(), fmtBytes(env.loadMem))
	fmt.Fprintf(&b, "- Tern server peak memory during the queries (VmHWM, reset after load): %s.\n", fmtBytes(queryMem))
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		fmt.Fprintf(&b, "- Harness process peak memory (DuckDB runs in it, plus the client's buffers): %s.\n", fmtBytes(hwm))
	}
	fmt.Fprintf(&b, "- Data: %s (%s).\n\n", env.dir, dataOrigin(o.sf))
	if prof != "" {
		b.WriteString(prof)
	}
	return b.String()
}

func dataOrigin(sf float64) string {
	if sf == 0.1 {
		return "reference files made by the official dbgen"
	}
	return "generated with go-tpc's dbgen port, written with pqarrow"
}

func checkCell(err error, ok bool, note string) string {
	switch {
	case err != nil:
		return "error: " + errBrief(err)
	case ok && note != "":
		return "ok (" + note + ")"
	case ok:
		return "ok"
	}
	return "WRONG: " + mdCell(note)
}
