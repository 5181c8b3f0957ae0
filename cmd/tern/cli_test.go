package main

import (
	"bytes"
	"context"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-adbc/go/adbc/sqldriver"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The command line as a new user meets it, and the README's claims about it.

func TestCLIHelp(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"serve", "--help"}, {"serve", "-h"}, {"admin", "reset-password", "--help"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 || out.Len() == 0 || errOut.Len() != 0 {
			t.Fatalf("tern %v: exit %d, stdout %d bytes, stderr %q", args, code, out.Len(), errOut.String())
		}
	}
	var out bytes.Buffer
	run([]string{"serve", "--help"}, &out, &out)
	// Every flag of serve is in the README's table, and every flag there exists.
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(out.String(), -1)
	if len(flags) < 8 {
		t.Fatalf("help lists %d flags:\n%s", len(flags), out.String())
	}
	have := map[string]bool{}
	for _, f := range flags {
		have[f[1]] = true
		if !bytes.Contains(readme, []byte("`--"+f[1])) {
			t.Errorf("README does not document --%s", f[1])
		}
	}
	table := readme[bytes.Index(readme, []byte("`tern serve` flags")):]
	table = table[:bytes.Index(table, []byte("\n\n###"))]
	for _, m := range regexp.MustCompile("`--([a-z-]+)").FindAllSubmatch(table, -1) {
		if !have[string(m[1])] {
			t.Errorf("README documents --%s, which tern serve does not have", m[1])
		}
	}
	if code := run([]string{"serve", "--no-such-flag"}, &out, &out); code != 2 {
		t.Fatalf("bad flag: exit %d", code)
	}
}

func TestCLIPortInUseCreatesNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	data := filepath.Join(t.TempDir(), "fresh")
	out, err := exec.Command(ternBin, "serve", "--listen", l.Addr().String(), "--data", data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "address already in use") {
		t.Fatalf("port in use: %v\n%s", err, out)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the data directory was created although the port was taken: %v", err)
	}
}

func TestCLIDataDirectoryLockAndResetPassword(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	out, err := exec.Command(ternBin, "serve", "--listen", "127.0.0.1:0", "--data", data).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "data directory "+data+" is in use by another process") {
		t.Fatalf("second server: %v\n%s", err, out)
	}
	reset := exec.Command(ternBin, "admin", "reset-password", "--data", data, "--password-stdin")
	reset.Stdin = strings.NewReader("new-admin-pw\n")
	if out, err := reset.CombinedOutput(); err == nil || !strings.Contains(string(out), "in use by another process") {
		t.Fatalf("reset-password while serving: %v\n%s", err, out)
	}
	srv.stop()

	reset = exec.Command(ternBin, "admin", "reset-password", "--data", data, "--password-stdin")
	reset.Stdin = strings.NewReader("new-admin-pw\n")
	if out, err := reset.CombinedOutput(); err != nil {
		t.Fatalf("reset-password: %v\n%s", err, out)
	}
	// startServer sets TERN_ADMIN_PASSWORD to the old password: not applied, but warned about.
	srv = startServer(t, data)
	// stderr is copied asynchronously: give the warning (logged before listening) a moment.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		log := srv.out.String()
		if strings.Contains(log, "TERN_ADMIN_PASSWORD is set but is not the admin password") && strings.Contains(log, "tern admin reset-password") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no warning about TERN_ADMIN_PASSWORD:\n%s", log)
		}
	}
	cn, _ := openADBC(t, srv.addr, "admin", "new-admin-pw")
	expectRows(t, mustQuery(t, cn, "SELECT 1"), "1")

	// A generated password is printed.
	srv.stop()
	gen := exec.Command(ternBin, "admin", "reset-password", "--data", data)
	gen.Env = append(os.Environ(), "TERN_ADMIN_PASSWORD=")
	b, err := gen.Output()
	m := regexp.MustCompile(`new password of user admin: (\S+)`).FindSubmatch(b)
	if err != nil || m == nil {
		t.Fatalf("generated password: %v\n%s", err, b)
	}
	srv = startServer(t, data)
	cn, _ = openADBC(t, srv.addr, "admin", string(m[1]))
	expectRows(t, mustQuery(t, cn, "SELECT 1"), "1")
}

// The README's database/sql example (cookie middleware on) connects and queries.
func TestReadmeDatabaseSQLWithCookies(t *testing.T) {
	srv := startServer(t, t.TempDir())
	sql.Register("tern-readme", sqldriver.Driver{Driver: adbcflight.NewDriver(memory.DefaultAllocator)})
	db, err := sql.Open("tern-readme", "uri=grpc://"+srv.addr+";username=admin;password="+adminPassword+
		";adbc.flight.sql.rpc.with_cookie_middleware=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1: %v %d", err, one)
	}
}
