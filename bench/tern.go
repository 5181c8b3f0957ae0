package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The harness talks to Tern the way users do: a `tern serve` process and the ADBC Flight SQL
// driver.

const ternPassword = "bench-secret"

// buildTern builds ../cmd/tern (the repo at repo) into out.
func buildTern(ctx context.Context, repo, out string, log io.Writer) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", abs, "./cmd/tern")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building tern in %s: %w", repo, err)
	}
	return nil
}

// ternServer is a running `tern serve` process.
type ternServer struct {
	cmd    *exec.Cmd
	addr   string
	pid    int
	stderr *tailBuffer
	done   chan error

	mu      sync.Mutex
	peakRSS int64 // largest VmRSS seen by the sampler, bytes
	stopS   chan struct{}
}

func startTern(ctx context.Context, bin, dataDir string, allow []string) (*ternServer, error) {
	args := []string{"serve", "--listen", "127.0.0.1:0", "--data", dataDir, "--log-level", "warn"}
	for _, a := range allow {
		args = append(args, "--allow-dir", a)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TERN_ADMIN_PASSWORD="+ternPassword)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &ternServer{cmd: cmd, stderr: &tailBuffer{max: 16 << 10}, done: make(chan error, 1), stopS: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "tern: listening on "); ok {
				addrs <- a
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.addr = <-addrs:
	case err := <-s.done:
		return nil, fmt.Errorf("tern serve exited early: %v\n%s", err, s.stderr.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("tern serve did not start in 60s\n%s", s.stderr.String())
	case <-ctx.Done():
		cmd.Process.Kill()
		return nil, ctx.Err()
	}
	go s.sample()
	return s, nil
}

// sample records the largest resident set size every 50ms (VmHWM is also read at the end).
func (s *ternServer) sample() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stopS:
			return
		case <-t.C:
			if v, err := procStatus(s.pid, "VmRSS"); err == nil {
				s.mu.Lock()
				if v > s.peakRSS {
					s.peakRSS = v
				}
				s.mu.Unlock()
			}
		}
	}
}

// peak returns the server's peak resident memory since start or the last resetPeak.
func (s *ternServer) peak() int64 {
	hwm, err := procStatus(s.pid, "VmHWM")
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && hwm > s.peakRSS {
		return hwm
	}
	return s.peakRSS
}

// resetPeak starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM).
func (s *ternServer) resetPeak() {
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.pid), []byte("5"), 0)
	v, _ := procStatus(s.pid, "VmRSS")
	s.mu.Lock()
	s.peakRSS = v
	s.mu.Unlock()
}

func (s *ternServer) alive() bool {
	select {
	case err := <-s.done:
		s.done <- err
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits; SIGKILL after 20s.
func (s *ternServer) stop() {
	select {
	case <-s.stopS:
		return
	default:
		close(s.stopS)
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// procStatus reads a "kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// tailBuffer keeps the last max bytes written (a server's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte(nil), t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// flightClient is one ADBC connection to a Flight SQL server.
type flightClient struct {
	db adbc.Database
	cn adbc.Connection
}

func openFlight(ctx context.Context, addr, user, password string) (*flightClient, error) {
	opts := map[string]string{adbc.OptionKeyURI: "grpc://" + addr}
	if user != "" {
		opts[adbc.OptionKeyUsername] = user
		opts[adbc.OptionKeyPassword] = password
	}
	db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(opts)
	if err != nil {
		return nil, err
	}
	cn, err := db.Open(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &flightClient{db: db, cn: cn}, nil
}

func openTern(ctx context.Context, addr string) (*flightClient, error) {
	return openFlight(ctx, addr, "admin", ternPassword)
}

func (c *flightClient) Close() {
	c.cn.Close()
	c.db.Close()
}

// exec runs a statement that returns no rows.
func (c *flightClient) exec(ctx context.Context, q string) (int64, error) {
	st, err := c.cn.NewStatement()
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		return 0, err
	}
	return st.ExecuteUpdate(ctx)
}

// query runs q and keeps the whole result as text.
func (c *flightClient) query(ctx context.Context, q string) (*result, error) {
	res := &result{}
	_, _, err := c.stream(ctx, q, func(rec arrow.RecordBatch) {
		if res.cols == nil {
			for _, f := range rec.Schema().Fields() {
				res.cols = append(res.cols, f.Name)
			}
		}
		res.addArrow(rec)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// stream runs q and hands each batch to fn (nil: just count), returning rows and Arrow bytes.
func (c *flightClient) stream(ctx context.Context, q string, fn func(arrow.RecordBatch)) (rows, bytes int64, err error) {
	st, err := c.cn.NewStatement()
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	if err := st.SetSqlQuery(q); err != nil {
		return 0, 0, err
	}
	rdr, _, err := st.ExecuteQuery(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer rdr.Release()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rows += rec.NumRows()
		bytes += logicalBytes(rec)
		if fn != nil {
			fn(rec)
		}
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return rows, bytes, err
	}
	return rows, bytes, nil
}

// ingest sends rdr with ADBC bulk ingest into table (created by the server).
func (c *flightClient) ingest(ctx context.Context, table string, rdr array.RecordReader) (int64, error) {
	st, err := c.cn.NewStatement()
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.SetOption(adbc.OptionKeyIngestTargetTable, table); err != nil {
		return 0, err
	}
	if err := st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreateAppend); err != nil {
		return 0, err
	}
	if err := st.BindStream(ctx, rdr); err != nil {
		return 0, err
	}
	return st.ExecuteUpdate(ctx)
}
