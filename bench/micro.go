package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The micro benchmarks share one Tern server and a 4-column table shape:
// a BIGINT (row number), b BIGINT (row number mod 1000), c DOUBLE PRECISION, d INTEGER.

var microSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "c", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

const microDDL = "(a BIGINT, b BIGINT, c DOUBLE PRECISION, d INTEGER)"

// microBatch builds rows [start, start+n) of the micro table.
func microBatch(mem memory.Allocator, start, n int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, microSchema)
	defer b.Release()
	a, bb, c, d := b.Field(0).(*array.Int64Builder), b.Field(1).(*array.Int64Builder),
		b.Field(2).(*array.Float64Builder), b.Field(3).(*array.Int32Builder)
	a.Reserve(int(n))
	bb.Reserve(int(n))
	c.Reserve(int(n))
	d.Reserve(int(n))
	for i := start; i < start+n; i++ {
		a.UnsafeAppend(i)
		bb.UnsafeAppend(i % 1000)
		c.UnsafeAppend(float64(i) * 0.5)
		d.UnsafeAppend(int32(i % 100000))
	}
	return b.NewRecordBatch()
}

// microReader yields rows [0, rows) in batches of batch rows.
type microReader struct {
	rows, batch, next int64
	cur               arrow.RecordBatch
}

func (r *microReader) Retain()                        {}
func (r *microReader) Release()                       { r.drop() }
func (r *microReader) Schema() *arrow.Schema          { return microSchema }
func (r *microReader) Record() arrow.RecordBatch      { return r.cur }
func (r *microReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *microReader) Err() error                     { return nil }
func (r *microReader) drop() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}
func (r *microReader) Next() bool {
	r.drop()
	if r.next >= r.rows {
		return false
	}
	n := min(r.batch, r.rows-r.next)
	r.cur = microBatch(memory.DefaultAllocator, r.next, n)
	r.next += n
	return true
}

var _ array.RecordReader = (*microReader)(nil)

// microParquet writes (once, cached) a Parquet file of the micro table with rows rows.
func microParquet(dir string, rows int64) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("micro-%d.parquet", rows))
	if _, err := os.Stat(path); err == nil {
		return filepath.Abs(path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(1<<20))
	w, err := pqarrow.NewFileWriter(microSchema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		f.Close()
		return "", err
	}
	rd := &microReader{rows: rows, batch: 1 << 16}
	for rd.Next() {
		if err := w.Write(rd.RecordBatch()); err != nil {
			rd.Release()
			w.Close()
			return "", err
		}
	}
	rd.Release()
	if err := w.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return filepath.Abs(path)
}

func runMicro(ctx context.Context, o *options, rep *report, stdout io.Writer) error {
	dataDir := filepath.Join(o.data, "micro")
	needTern := o.only["stream"] || o.only["ingest"] || o.only["concurrency"]
	var (
		srv  *ternServer
		stop func()
		cl   *flightClient
	)
	if needTern {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			return err
		}
		os.MkdirAll(abs, 0o755)
		srv, stop, err = o.startTernFor(ctx, abs)
		if err != nil {
			return err
		}
		defer stop()
		if cl, err = openTern(ctx, srv.addr); err != nil {
			return err
		}
		defer cl.Close()
	}
	var b strings.Builder
	b.WriteString("### Micro benchmarks\n\n")
	var errs []string
	step := func(name string, fn func() (string, error)) {
		if !o.only[name] {
			return
		}
		fmt.Fprintf(o.log, "bench: micro %s\n", name)
		md, err := fn()
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", name, err))
			fmt.Fprintf(&b, "#### %s\n\nfailed: %s\n\n", name, mdCell(err.Error()))
			return
		}
		b.WriteString(md)
	}
	step("stream", func() (string, error) { return microStream(ctx, o, srv, cl, dataDir) })
	step("scan", func() (string, error) { return microScan(ctx, o) })
	step("ingest", func() (string, error) { return microIngest(ctx, o, srv, cl, dataDir) })
	step("concurrency", func() (string, error) { return microConcurrency(ctx, o, srv, cl, dataDir) })
	if srv != nil {
		fmt.Fprintf(&b, "Tern server peak memory over the micro benchmarks: %s.\n\n", fmtBytes(srv.peak()))
	}
	rep.add(b.String())
	if len(errs) > 0 && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// throughput formats rows and bytes moved in d.
func throughput(rows, bytes int64, d time.Duration) (string, string) {
	s := d.Seconds()
	return fmt.Sprintf("%.1f M rows/s", float64(rows)/s/1e6), fmt.Sprintf("%.2f GB/s", float64(bytes)/s/1e9)
}

// microStream streams a streamRows-row result through Tern (SELECT * of a table loaded from
// Parquet) and through a bare arrow-go Flight SQL server sending in-memory batches.
func microStream(ctx context.Context, o *options, srv *ternServer, cl *flightClient, dataDir string) (string, error) {
	path, err := microParquet(dataDir, o.streamRows)
	if err != nil {
		return "", err
	}
	if _, err := cl.exec(ctx, "CREATE TABLE stream_t "+microDDL); err != nil {
		return "", err
	}
	t0 := time.Now()
	if _, err := cl.exec(ctx, fmt.Sprintf("COPY stream_t FROM '%s' (FORMAT parquet)", path)); err != nil {
		return "", err
	}
	load := time.Since(t0)
	var b strings.Builder
	fmt.Fprintf(&b, "#### Result streaming: %d rows x 4 columns (BIGINT, BIGINT, DOUBLE, INTEGER) to one ADBC client\n\n", o.streamRows)
	b.WriteString("| server | time (s) | rows/s | Arrow bytes/s | batches of |\n| --- | ---: | ---: | ---: | --- |\n")
	var ternTime time.Duration
	for _, bs := range []int64{8192, 65536} {
		d, rows, bytes, err := bareStream(ctx, o.streamRows, bs)
		if err != nil {
			return "", fmt.Errorf("bare Flight server: %w", err)
		}
		if rows != o.streamRows {
			return "", fmt.Errorf("bare Flight server sent %d rows, want %d", rows, o.streamRows)
		}
		r, g := throughput(rows, bytes, d)
		fmt.Fprintf(&b, "| bare arrow-go Flight SQL server (in memory) | %s | %s | %s | %d rows |\n", fmtSecs(d), r, g, bs)
	}
	// The same bare stream read by arrow-go's own client: what the ADBC driver costs.
	if d, rows, bytes, err := bareStreamRaw(ctx, o.streamRows, 65536); err != nil {
		fmt.Fprintf(&b, "| bare server, arrow-go flightsql client (no ADBC) | failed: %s | | | |\n", errBrief(err))
	} else {
		r, g := throughput(rows, bytes, d)
		fmt.Fprintf(&b, "| bare server, arrow-go flightsql client (no ADBC) | %s | %s | %s | 65536 rows |\n", fmtSecs(d), r, g)
	}
	t0 = time.Now()
	if rows, bytes, err := rawStream(ctx, srv.addr, "admin", ternPassword, "SELECT * FROM stream_t"); err != nil {
		fmt.Fprintf(&b, "| Tern, arrow-go flightsql client (no ADBC) | failed: %s | | | |\n", errBrief(err))
	} else {
		r, g := throughput(rows, bytes, time.Since(t0))
		fmt.Fprintf(&b, "| Tern, arrow-go flightsql client (no ADBC) | %s | %s | %s | |\n", fmtSecs(time.Since(t0)), r, g)
	}
	qctx, cancel := context.WithTimeout(ctx, o.timeout)
	t0 = time.Now()
	var batches int64
	rows, bytes, err := cl.stream(qctx, "SELECT * FROM stream_t", func(arrow.RecordBatch) { batches++ })
	ternTime = time.Since(t0)
	cancel()
	if err != nil {
		fmt.Fprintf(&b, "| Tern `SELECT * FROM stream_t` | failed: %s | | | |\n", errBrief(err))
	} else {
		r, g := throughput(rows, bytes, ternTime)
		avg := int64(0)
		if batches > 0 {
			avg = rows / batches
		}
		fmt.Fprintf(&b, "| Tern `SELECT * FROM stream_t` | %s | %s | %s | %d rows (mean) |\n", fmtSecs(ternTime), r, g, avg)
		if rows != o.streamRows {
			fmt.Fprintf(&b, "\nTern returned %d rows, want %d.\n", rows, o.streamRows)
		}
	}
	fmt.Fprintf(&b, "\nLoading the table (COPY FROM parquet, %s file) took %.2fs: %.1f M rows/s.\n\n",
		fmtBytes(fileSize(path)), load.Seconds(), float64(o.streamRows)/load.Seconds()/1e6)
	return b.String(), nil
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

// microIngest sends rows through ADBC bulk ingest, and for comparison loads the same rows
// with COPY FROM parquet and into DuckDB from the same file.
func microIngest(ctx context.Context, o *options, srv *ternServer, cl *flightClient, dataDir string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "#### Ingest: %d rows x 4 columns\n\n", o.ingestRows)
	b.WriteString("| path | time (s) | rows/s | note |\n| --- | ---: | ---: | --- |\n")
	rd := &microReader{rows: o.ingestRows, batch: 1 << 16}
	t0 := time.Now()
	n, err := cl.ingest(ctx, "ingest_t", rd)
	d := time.Since(t0)
	rd.Release()
	if err != nil {
		fmt.Fprintf(&b, "| Tern: ADBC bulk ingest (adbc.ingest.target_table) | failed | | %s |\n", errBrief(err))
	} else {
		note := ""
		if n >= 0 && n != o.ingestRows {
			note = fmt.Sprintf("server reported %d rows", n)
		}
		if res, err := cl.query(ctx, "SELECT count(*) FROM ingest_t"); err != nil {
			note = "counting the rows: " + errBrief(err)
		} else if len(res.rows) != 1 || res.rows[0][0] != fmt.Sprint(o.ingestRows) {
			note = fmt.Sprintf("WRONG: table has %v rows", res.rows)
		}
		fmt.Fprintf(&b, "| Tern: ADBC bulk ingest (adbc.ingest.target_table) | %s | %.0f | %s |\n", fmtSecs(d), float64(o.ingestRows)/d.Seconds(), note)
	}
	path, err := microParquet(dataDir, o.ingestRows)
	if err != nil {
		return "", err
	}
	if _, err := cl.exec(ctx, "CREATE TABLE copy_t "+microDDL); err != nil {
		return "", err
	}
	t0 = time.Now()
	_, err = cl.exec(ctx, fmt.Sprintf("COPY copy_t FROM '%s' (FORMAT parquet)", path))
	d = time.Since(t0)
	if err != nil {
		fmt.Fprintf(&b, "| Tern: COPY FROM parquet (server reads the file) | failed | | %s |\n", errBrief(err))
	} else {
		fmt.Fprintf(&b, "| Tern: COPY FROM parquet (server reads the file) | %s | %.0f | |\n", fmtSecs(d), float64(o.ingestRows)/d.Seconds())
	}
	dk, err := openDuck(ctx, o.threads)
	if err != nil {
		return "", err
	}
	defer dk.Close()
	t0 = time.Now()
	err = dk.exec(ctx, fmt.Sprintf("CREATE TABLE copy_t AS SELECT * FROM read_parquet('%s')", path))
	d = time.Since(t0)
	if err != nil {
		fmt.Fprintf(&b, "| DuckDB: CREATE TABLE AS read_parquet (in memory) | failed | | %s |\n", errBrief(err))
	} else {
		fmt.Fprintf(&b, "| DuckDB: CREATE TABLE AS read_parquet (in memory) | %s | %.0f | anchor for COPY |\n", fmtSecs(d), float64(o.ingestRows)/d.Seconds())
	}
	b.WriteString("\n")
	return b.String(), nil
}

// microConcurrency runs a small query from 1, 8 and 64 clients, each on its own connection.
func microConcurrency(ctx context.Context, o *options, srv *ternServer, cl *flightClient, dataDir string) (string, error) {
	const rows = 10000
	path, err := microParquet(dataDir, rows)
	if err != nil {
		return "", err
	}
	if _, err := cl.exec(ctx, "CREATE TABLE conc_t "+microDDL); err != nil {
		return "", err
	}
	if _, err := cl.exec(ctx, fmt.Sprintf("COPY conc_t FROM '%s' (FORMAT parquet)", path)); err != nil {
		return "", err
	}
	const q = "SELECT b, count(*), sum(c) FROM conc_t WHERE a < 2000 GROUP BY b ORDER BY b LIMIT 10"
	var b strings.Builder
	fmt.Fprintf(&b, "#### Concurrency: `%s` on a %d-row table, %v per step\n\n", q, rows, o.duration)
	b.WriteString("| clients | queries | QPS | p50 (ms) | p99 (ms) | errors |\n| ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, c := range o.clients {
		res, err := concurrencyStep(ctx, srv.addr, c, q, o.duration)
		if err != nil {
			fmt.Fprintf(&b, "| %d | | | | | %s |\n", c, errBrief(err))
			continue
		}
		fmt.Fprintf(&b, "| %d | %d | %.0f | %.2f | %.2f | %s |\n", c, res.n, float64(res.n)/res.wall.Seconds(),
			ms(res.p(0.50)), ms(res.p(0.99)), res.errText())
	}
	b.WriteString("\n")
	return b.String(), nil
}

type concResult struct {
	n    int
	lat  []time.Duration
	wall time.Duration
	errs int
	err1 error
}

func (r *concResult) p(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q * float64(len(r.lat)-1))
	return r.lat[i]
}

func (r *concResult) errText() string {
	if r.errs == 0 {
		return "0"
	}
	return fmt.Sprintf("%d (%s)", r.errs, errBrief(r.err1))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func concurrencyStep(ctx context.Context, addr string, clients int, q string, dur time.Duration) (*concResult, error) {
	conns := make([]*flightClient, clients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		c, err := openTern(ctx, addr)
		if err != nil {
			return nil, fmt.Errorf("connection %d: %w", i+1, err)
		}
		conns[i] = c
	}
	res := &concResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(dur)
	for _, c := range conns {
		wg.Add(1)
		go func(c *flightClient) {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			var err1 error
			// Bounded: stops at the deadline, and after 100k queries per client at most.
			for i := 0; i < 100000 && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				t0 := time.Now()
				_, _, err := c.stream(qctx, q, nil)
				d := time.Since(t0)
				cancel()
				if err != nil {
					errs++
					if err1 == nil {
						err1 = err
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errs += errs
			if res.err1 == nil {
				res.err1 = err1
			}
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	res.wall = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res, ctx.Err()
}
