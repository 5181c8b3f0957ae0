package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc/codes"
)

// adbcAs opens an ADBC connection as user; the error is the login's.
func (ts *testServer) adbcAs(t *testing.T, user, password string) (adbc.Connection, error) {
	t.Helper()
	db, err := adbcflight.NewDriver(memory.NewGoAllocator()).NewDatabase(map[string]string{
		adbc.OptionKeyURI: "grpc://" + ts.addr, adbc.OptionKeyUsername: user, adbc.OptionKeyPassword: password,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cn, err := db.Open(context.Background())
	if err == nil {
		t.Cleanup(func() { cn.Close() })
	}
	return cn, err
}

// wantStatus checks the ADBC status a gRPC code maps to in the Flight SQL driver.
func wantStatus(t *testing.T, err error, code codes.Code) {
	t.Helper()
	st := map[codes.Code]adbc.Status{codes.AlreadyExists: adbc.StatusAlreadyExists, codes.NotFound: adbc.StatusNotFound,
		codes.PermissionDenied: adbc.StatusUnauthorized, codes.Unimplemented: adbc.StatusNotImplemented,
		codes.InvalidArgument: adbc.StatusInvalidArgument}[code]
	var ae adbc.Error
	if !errors.As(err, &ae) || ae.Code != st {
		t.Fatalf("want %v, got %v", code, err)
	}
}

func TestUserAdministration(t *testing.T) {
	ts := startServer(t, nil)
	admin := ts.openADBC(t, nil)
	adbcExec(t, admin, `CREATE USER bob WITH PASSWORD 'bob-1'`)
	err := adbcTryExec(admin, `CREATE USER bob PASSWORD 'x'`)
	wantStatus(t, err, codes.AlreadyExists)
	if !strings.Contains(err.Error(), `] role "bob" already exists (`) || strings.Contains(err.Error(), "already exists: ") {
		t.Fatalf("message: %v", err)
	}
	wantStatus(t, adbcTryExec(admin, `CREATE USER carol SUPERUSER PASSWORD 'x'`), codes.Unimplemented)
	wantStatus(t, adbcTryExec(admin, `ALTER USER nobody PASSWORD 'x'`), codes.NotFound)

	bob, err := ts.adbcAs(t, "bob", "bob-1")
	if err != nil {
		t.Fatalf("bob logs in: %v", err)
	}
	adbcQuery(t, bob, "SELECT 1", nil)
	wantStatus(t, adbcTryExec(bob, `CREATE USER eve PASSWORD 'x'`), codes.PermissionDenied)
	wantStatus(t, adbcTryExec(bob, `ALTER USER admin PASSWORD 'mine now'`), codes.PermissionDenied)
	wantStatus(t, adbcTryExec(bob, `DROP USER admin`), codes.PermissionDenied)
	adbcQuery(t, bob, `ALTER USER CURRENT_USER PASSWORD 'bob-2'`, nil) // through GetFlightInfo
	adbcQuery(t, bob, "SELECT 1", nil)                                 // its own connection got a fresh token
	if _, err := ts.adbcAs(t, "bob", "bob-1"); err == nil {
		t.Fatal("the old password still works")
	}
	if _, err := ts.adbcAs(t, "bob", "bob-2"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	adbcExec(t, admin, `ALTER ROLE bob PASSWORD 'bob-3'`)
	// Tokens issued under the old password are cut off.
	if err := adbcTryExec(bob, `SELECT 1`); err == nil || !strings.Contains(err.Error(), "password changed") {
		t.Fatalf("a token of the old password: %v", err)
	}
	bob3, err := ts.adbcAs(t, "bob", "bob-3")
	if err != nil {
		t.Fatalf("the password the admin set: %v", err)
	}
	if _, err := ts.adbcAs(t, "bob", "bob-3"); err != nil {
		t.Fatalf("the password the admin set: %v", err)
	}

	wantStatus(t, adbcTryExec(admin, `DROP USER admin`), codes.PermissionDenied)
	wantStatus(t, adbcTryExec(admin, `DROP USER bob, nobody`), codes.NotFound)
	adbcExec(t, admin, `DROP USER IF EXISTS bob, nobody`)
	if err := adbcTryExec(bob3, `SELECT 1`); err == nil || !strings.Contains(err.Error(), "no longer exists") {
		t.Fatalf("a token of a dropped user: %v", err)
	}
	if _, err := ts.adbcAs(t, "bob", "bob-3"); err == nil {
		t.Fatal("a dropped user logs in")
	}
}

// Errors reach clients without the sentinel's prefix doubling their words (errs.Message).
func TestErrorMessagesHaveNoDoubledPrefix(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, `CREATE TABLE t (a integer)`)
	for sql, code := range map[string]codes.Code{
		`CREATE TABLE t (a integer)`: codes.AlreadyExists,
		`DROP TABLE nope`:            codes.NotFound,
		`SELECT 1/0`:                 codes.InvalidArgument,
	} {
		err := adbcTryExec(cn, sql)
		wantStatus(t, err, code)
		for _, p := range []string{"already exists: ", "not found: ", "invalid argument: "} {
			if strings.Contains(err.Error(), p) {
				t.Errorf("%s: %v", sql, err)
			}
		}
	}
}
