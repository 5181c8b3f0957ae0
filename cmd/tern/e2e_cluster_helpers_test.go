package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/consul/api"
)

// Cluster tests run real processes: a Consul dev agent (the binary scripts/consul.sh builds
// and caches), `tern node` processes and a `tern serve` gateway, all on loopback.

const clusterSecret = "e2e-cluster-key-0123456789abcdef"

// consulBinary finds the cached Consul v1.14.11. Missing it skips the test, except on CI
// (CI=true), where .ci/run builds it and its absence is a failure.
func consulBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TERN_CONSUL"); p != "" {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "tern", "consul-1.14.11", "consul")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Consul not found at %s (scripts/consul.sh builds it; .ci/run runs it)", p)
		}
		t.Skipf("Consul not found at %s: run scripts/consul.sh", p)
	}
	return p
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuf collects a process's stderr; tests read it while the process writes.
type lockedBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type consulAgent struct {
	addr string
	cmd  *exec.Cmd
	out  *lockedBuf
}

func startConsul(t testing.TB) *consulAgent {
	t.Helper()
	bin := consulBinary(t)
	http := freePort(t)
	args := []string{"agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-log-level", "warn",
		"-http-port", strconv.Itoa(http), "-dns-port", "-1", "-grpc-port", "-1", "-grpc-tls-port", "-1",
		"-serf-lan-port", strconv.Itoa(freePort(t)), "-serf-wan-port", strconv.Itoa(freePort(t)),
		"-server-port", strconv.Itoa(freePort(t))}
	cmd := exec.Command(bin, args...)
	out := &lockedBuf{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	a := &consulAgent{addr: fmt.Sprintf("127.0.0.1:%d", http), cmd: cmd, out: out}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := httpGet("http://" + a.addr + "/v1/status/leader")
		if err == nil && strings.Contains(resp, ":") {
			return a
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("consul agent did not elect a leader\n%s", out.String())
	return nil
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// healthyNodes lists the passing tern-node instances Consul knows.
func (a *consulAgent) healthyNodes(t testing.TB) []string {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = a.addr
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := c.Health().Service("tern-node", "", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, net.JoinHostPort(e.Service.Address, strconv.Itoa(e.Service.Port)))
	}
	return out
}

// waitHealthy waits until Consul lists exactly n passing nodes.
func (a *consulAgent) waitHealthy(t testing.TB, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := a.healthyNodes(t)
		if len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("consul lists %d healthy nodes %v, want %d", len(got), got, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nodeProc is a running `tern node`.
type nodeProc struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string
	out  *lockedBuf
	done chan error
}

func startNode(t testing.TB, listen, consul string, extra ...string) *nodeProc {
	t.Helper()
	args := append([]string{"node", "--listen", listen, "--data", t.TempDir(), "--health-ttl", "2s"}, extra...)
	if consul != "" {
		args = append(args, "--consul", consul)
	}
	cmd := exec.Command(ternBin, args...)
	cmd.Env = append(os.Environ(), "TERN_SECRET="+clusterSecret)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n := &nodeProc{t: t, cmd: cmd, out: &lockedBuf{}, done: make(chan error, 1)}
	cmd.Stderr = n.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "tern: node listening on "); ok {
				lines <- a
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { n.done <- cmd.Wait() }()
	select {
	case n.addr = <-lines:
	case err := <-n.done:
		t.Fatalf("tern node exited early: %v\n%s", err, n.out.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("tern node did not start\n%s", n.out.String())
	}
	t.Cleanup(func() { n.stop() })
	return n
}

// stop sends SIGTERM and waits for a clean exit (a killed node is left alone).
func (n *nodeProc) stop() {
	select {
	case err := <-n.done:
		n.done <- err
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.done:
		n.done <- err
		if err != nil {
			n.t.Errorf("tern node did not exit cleanly: %v\n%s", err, n.out.String())
		}
	case <-time.After(20 * time.Second):
		n.cmd.Process.Kill()
		n.t.Errorf("tern node did not stop on SIGTERM")
	}
}

// kill ends the node with SIGKILL (no deregistration, streams cut).
func (n *nodeProc) kill() {
	n.cmd.Process.Kill()
	err := <-n.done
	n.done <- err
}

// waitLog waits until the node's log has a line containing all of parts.
func (n *nodeProc) waitLog(ctx context.Context, parts ...string) bool {
	for ctx.Err() == nil {
		if hasLine(n.out.String(), parts...) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func hasLine(log string, parts ...string) bool {
	for _, line := range strings.Split(log, "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
