package gateway

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

func TestLoginGuardBackoff(t *testing.T) {
	g := &loginGuard{entries: map[string]*failureCount{}}
	now := time.Unix(1_000_000, 0)
	admitted := func(user, addr string) bool {
		err := g.admit(user, addr, now)
		if err != nil && (!errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "too many failed logins; retry after")) {
			t.Fatalf("refusal: %v", err)
		}
		return err == nil
	}
	for i := 0; i < loginFreeFailures; i++ {
		if !admitted("default/admin", "10.0.0.1") {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	// Locked for 1 s, then 2 s, 4 s, ...: the lock doubles with each admitted failure.
	for _, lock := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if admitted("default/admin", "10.0.0.1") {
			t.Fatal("admitted inside the lock window")
		}
		if err := g.admit("default/admin", "10.0.0.1", now.Add(lock-time.Millisecond)); err == nil {
			t.Fatalf("admitted before the %v window ended", lock)
		}
		now = now.Add(lock)
		if !admitted("default/admin", "10.0.0.1") {
			t.Fatalf("refused after the %v window", lock)
		}
	}
	// Another address for the same user is not locked; the lock is capped.
	if !admitted("default/admin", "10.0.0.2") {
		t.Fatal("the user is locked out from every address")
	}
	for i := 0; i < 40; i++ {
		now = now.Add(loginMaxLock)
		admitted("default/admin", "10.0.0.1")
	}
	if e := g.entries["ua:default/admin\x0010.0.0.1"]; e.until.Sub(now) > loginMaxLock {
		t.Fatalf("lock %v beyond the cap", e.until.Sub(now))
	}
	// A success forgives the user and the address.
	g.succeeded("default/admin", "10.0.0.1")
	if !admitted("default/admin", "10.0.0.1") {
		t.Fatal("refused after a success")
	}
	// Many users from one address: the address is locked after loginFreeAddrFailures.
	n := 0
	for i := 0; i < 2*loginFreeAddrFailures; i++ {
		if admitted("default/u"+strings.Repeat("x", i), "10.0.0.9") {
			n++
		}
	}
	if n != loginFreeAddrFailures {
		t.Fatalf("%d attempts admitted from one address over many users", n)
	}
	// Entries are forgotten after loginForget.
	now = now.Add(loginForget + loginMaxLock + time.Second)
	if !admitted("default/uxx", "10.0.0.9") {
		t.Fatal("address still locked after loginForget")
	}
}
