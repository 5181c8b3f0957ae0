// Command bench runs Tern's benchmarks side by side with their anchors in one run: TPC-H
// against DuckDB on the same Parquet files, and micro benchmarks (result streaming, Parquet
// scan, ingest, concurrency). Run it from bench/: `go run . tpch --sf 1`. See README.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Tern benchmarks (run from bench/).

Usage:
  go run . tpch  [--sf 1] [--runs 3] [--queries 1,3,6] [--timeout 5m] [--profile 3]
  go run . micro [--only stream,scan,ingest,concurrency] [--stream-rows 50000000]
                 [--scan-sf 1] [--ingest-rows 1000000] [--clients 1,8,64] [--duration 5s]
  go run . all   (tpch then micro; takes the flags of both)
  go run . gen   [--sf 1] [--verify]   generate TPC-H Parquet data (and check the generator)

Common flags: --repo .. (Tern's source, built into data/bin/tern), --tern-bin PATH (use a
built binary instead), --data data (cache of generated data and Tern data directories),
--results RESULTS.md (append the markdown there; "" to only print it).
`

// options are the flags of every subcommand.
type options struct {
	repo, ternBin, data, results, shared string
	givenBin                             string // --tern-bin as given (the header names it)
	// tpch
	sf       float64
	runs     int
	queries  []int
	timeout  time.Duration
	profile  int
	threads  int
	keepData bool
	// micro
	only        map[string]bool
	streamRows  int64
	scanSF      float64
	ingestRows  int64
	clients     []int
	duration    time.Duration
	verify      bool
	memLimitGiB float64

	log io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	sub := args[0]
	fs := flag.NewFlagSet(sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{log: stderr}
	fs.StringVar(&o.repo, "repo", "..", "Tern's source tree (built with go build ./cmd/tern)")
	fs.StringVar(&o.ternBin, "tern-bin", "", "a built tern binary to use instead of building --repo")
	fs.StringVar(&o.data, "data", "data", "directory for generated data, binaries and Tern data directories")
	fs.StringVar(&o.results, "results", "RESULTS.md", "file the markdown is appended to (\"\": none)")
	fs.StringVar(&o.shared, "shared", "", "the shared/ directory with tpch/ (default: <repo>/../shared)")
	fs.Float64Var(&o.sf, "sf", 1, "TPC-H scale factor: 0.1 (reference files) or a whole number (generated)")
	fs.IntVar(&o.runs, "runs", 3, "runs per query; the median is reported")
	queries := fs.String("queries", "", "comma-separated query numbers (default: all 22)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time limit of one query run")
	fs.IntVar(&o.profile, "profile", 0, "CPU-profile Tern's N slowest queries with perf (0: none)")
	fs.IntVar(&o.threads, "threads", 2, "DuckDB threads")
	fs.BoolVar(&o.keepData, "keep", false, "keep Tern's data directory after the run")
	fs.Float64Var(&o.memLimitGiB, "mem-limit", 16, "cancel a Tern query when the server's RSS passes this many GiB")
	only := fs.String("only", "stream,scan,ingest,concurrency", "micro benchmarks to run")
	fs.Int64Var(&o.streamRows, "stream-rows", 50_000_000, "rows of the streamed result (4 columns)")
	fs.Float64Var(&o.scanSF, "scan-sf", 1, "scale factor of the lineitem file the scan benchmark decodes")
	fs.Int64Var(&o.ingestRows, "ingest-rows", 1_000_000, "rows sent through ADBC bulk ingest")
	clients := fs.String("clients", "1,8,64", "client counts of the concurrency benchmark")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of each concurrency step")
	fs.BoolVar(&o.verify, "verify", false, "gen: check the generator against the reference files")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	o.givenBin = o.ternBin
	var err error
	if o.queries, err = intList(*queries); err != nil {
		fmt.Fprintf(stderr, "bench: --queries: %v\n", err)
		return 2
	}
	if len(o.queries) == 0 {
		for i := 1; i <= 22; i++ {
			o.queries = append(o.queries, i)
		}
	}
	if o.clients, err = intList(*clients); err != nil {
		fmt.Fprintf(stderr, "bench: --clients: %v\n", err)
		return 2
	}
	o.only = map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.only[s] = true
		}
	}
	if o.shared == "" {
		o.shared = filepath.Join(o.repo, "..", "shared")
	}
	if o.runs < 1 {
		o.runs = 1
	}

	rep := &report{}
	var title string
	switch sub {
	case "tpch":
		title = fmt.Sprintf("TPC-H SF%v", o.sf)
		err = runTPCH(ctx, o, rep, stdout)
	case "micro":
		title = "micro"
		err = runMicro(ctx, o, rep, stdout)
	case "all":
		title = fmt.Sprintf("TPC-H SF%v and micro", o.sf)
		if err = runTPCH(ctx, o, rep, stdout); err == nil {
			err = runMicro(ctx, o, rep, stdout)
		}
	case "gen":
		return runGen(ctx, o, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "bench: unknown command %q\n\n%s", sub, usage)
		return 2
	}
	if len(rep.sections) > 0 {
		md := rep.markdown(title, args, o.repo, o.givenBin)
		fmt.Fprintln(stdout)
		fmt.Fprint(stdout, md)
		if werr := appendResults(o.results, md); werr != nil {
			fmt.Fprintf(stderr, "bench: writing %s: %v\n", o.results, werr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f), "q"))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// ternBinary returns the tern binary to run, building it from o.repo unless --tern-bin.
func (o *options) ternBinary(ctx context.Context) (string, error) {
	if o.ternBin != "" {
		return filepath.Abs(o.ternBin)
	}
	bin := filepath.Join(o.data, "bin", "tern")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(o.log, "bench: building tern from %s\n", o.repo)
	if err := buildTern(ctx, o.repo, bin, o.log); err != nil {
		return "", err
	}
	o.ternBin = bin // once per process
	return filepath.Abs(bin)
}

// startTernFor starts a fresh `tern serve` on a new data directory allowed to read allow.
func (o *options) startTernFor(ctx context.Context, allow ...string) (*ternServer, func(), error) {
	bin, err := o.ternBinary(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(o.data, 0o755); err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp(o.data, "tern-")
	if err != nil {
		return nil, nil, err
	}
	srv, err := startTern(ctx, bin, dir, allow)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return srv, func() {
		srv.stop()
		if !o.keepData {
			os.RemoveAll(dir)
		}
	}, nil
}
