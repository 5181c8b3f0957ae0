package coordinator

import "testing"

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
