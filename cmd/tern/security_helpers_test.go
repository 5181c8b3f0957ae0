package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The security suite (security_*_test.go) replays attacks against a real `tern serve`
// process. Every replay ends with assertHealthy: the process is still alive, still answers a
// query for a freshly logged-in client, and its resident memory is under a bound.

// rssBytes is the server process's resident set size, read from /proc.
func (s *server) rssBytes(t testing.TB) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("reading server status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parsing VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// assertHealthy fails the test when the server exited, no longer answers `SELECT 1` to a new
// ADBC connection, or holds more than maxRSS bytes of resident memory (0: no bound).
func (s *server) assertHealthy(t testing.TB, maxRSS int64) {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		t.Fatalf("tern serve exited: %v\n%s", err, s.out.String())
	default:
	}
	cn, _ := openADBC(t, s.addr, "admin", adminPassword)
	expectRows(t, mustQuery(t, cn, "SELECT 1"), "1")
	if maxRSS > 0 {
		if rss := s.rssBytes(t); rss > maxRSS {
			t.Fatalf("server resident memory %d MB exceeds the bound %d MB", rss>>20, maxRSS>>20)
		}
	}
}
