package coordinator

import (
	"strings"
	"testing"
)

// Passwords of CREATE/ALTER USER never reach the query history.
func TestRedactPasswords(t *testing.T) {
	for in, want := range map[string]string{
		`ALTER USER bob WITH PASSWORD 'hunter2'`:   `ALTER USER bob WITH PASSWORD '********'`,
		` create user "x" password 'it''s secret'`: ` create user "x" password '********'`,
		`ALTER ROLE bob PASSWORD $p$dollar'd$p$`:   `ALTER ROLE bob PASSWORD '********'`,
		`SELECT 'password' FROM t`:                 `SELECT 'password' FROM t`,
		`alter user current_user password E'a\'b'`: `alter user current_user password '********'`,
	} {
		if got := redactPasswords(in); got != want {
			t.Errorf("redactPasswords(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactFederationSecrets(t *testing.T) {
	for _, q := range []string{
		`CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres', password 'Pw-1')`,
		`alter user mapping for bob server pg options (SET password 'Pw-1')`,
		`CREATE SERVER s FOREIGN DATA WRAPPER postgres OPTIONS (host 'h', password 'Pw-1')`,
		`ALTER SERVER s OPTIONS (ADD sslkey 'Pw-1')`,
		`CREATE FOREIGN TABLE t (a int) SERVER s OPTIONS (table_name 'Pw-1')`,
	} {
		if got := NewQueryRecord("", q).Text; strings.Contains(got, "Pw-1") {
			t.Errorf("not redacted: %s", got)
		}
	}
}
