package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// profileSlowest samples the Tern server's CPU with Linux perf while it runs each of its n
// slowest successful queries again (for at least 3 seconds), and returns the top functions
// of each as markdown. Tern serves no pprof endpoint; perf reads the Go symbols of the binary.
func profileSlowest(ctx context.Context, o *options, env *tpchEnv, rs []*qResult) string {
	perf, err := exec.LookPath("perf")
	if err != nil {
		return "CPU profiles: perf is not installed (apt-get install linux-perf).\n\n"
	}
	var ok []*qResult
	for _, r := range rs {
		if r.ternErr == nil && len(r.tern) > 0 {
			ok = append(ok, r)
		}
	}
	slices.SortFunc(ok, func(a, b *qResult) int { return int(median(b.tern) - median(a.tern)) })
	if len(ok) > o.profile {
		ok = ok[:o.profile]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### CPU profiles of Tern's %d slowest queries (perf, server process, flat by function)\n\n", len(ok))
	for _, r := range ok {
		q, err := os.ReadFile(filepath.Join(o.shared, "tpch", "queries", fmt.Sprintf("q%02d.sql", r.n)))
		if err != nil {
			continue
		}
		top, runs, err := perfQuery(ctx, perf, o, env, string(q))
		if err != nil {
			fmt.Fprintf(&b, "Q%02d: profiling failed: %v\n\n", r.n, err)
			continue
		}
		fmt.Fprintf(&b, "<details><summary>Q%02d (median %ss; %d runs sampled)</summary>\n\n```\n%s```\n</details>\n\n", r.n, fmtSecs(median(r.tern)), runs, top)
	}
	return b.String()
}

func perfQuery(ctx context.Context, perf string, o *options, env *tpchEnv, q string) (string, int, error) {
	out, err := os.CreateTemp("", "tern-perf-*.data")
	if err != nil {
		return "", 0, err
	}
	out.Close()
	defer os.Remove(out.Name())
	rec := exec.CommandContext(ctx, perf, "record", "-F", "499", "-p", fmt.Sprint(env.srv.pid), "-o", out.Name())
	var errb tailBuffer
	errb.max = 4096
	rec.Stderr = &errb
	if err := rec.Start(); err != nil {
		return "", 0, err
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	runs := 0
	for runs < 1 || (time.Since(start) < 3*time.Second && runs < 20) {
		qctx, cancel := context.WithTimeout(ctx, o.timeout)
		_, _, err := env.cl.stream(qctx, q, nil)
		cancel()
		if err != nil {
			rec.Process.Signal(syscall.SIGINT)
			rec.Wait()
			return "", runs, err
		}
		runs++
	}
	rec.Process.Signal(syscall.SIGINT)
	if err := rec.Wait(); err != nil && !strings.Contains(err.Error(), "interrupt") {
		if _, serr := os.Stat(out.Name()); serr != nil {
			return "", runs, fmt.Errorf("perf record: %v: %s", err, errb.String())
		}
	}
	rep, err := exec.CommandContext(ctx, perf, "report", "-i", out.Name(), "--stdio", "--no-children",
		"--sort", "symbol", "--percent-limit", "1.5").Output()
	if err != nil {
		return "", runs, fmt.Errorf("perf report: %v", err)
	}
	var lines []string
	for _, l := range strings.Split(string(rep), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		t = strings.TrimSuffix(strings.Join(strings.Fields(t), " "), " - -")
		lines = append(lines, clip(t, 110))
		if len(lines) == 15 {
			break
		}
	}
	return strings.Join(lines, "\n") + "\n", runs, nil
}
