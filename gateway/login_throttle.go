package gateway

import (
	"context"
	"fmt"
	"math"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/tern-db/tern/proto/errs"
	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc/peer"
)

// login_throttle.go: what keeps password guessing slow, cheap for the server and mute about
// which users exist.
//
//   - Failures are counted per user and client address together, per client address, and
//     per user (tenant/name, whether it exists or not, so the throttle says nothing about
//     existence). The first loginFreeFailures failures of a user from one address cost
//     nothing extra (loginFreeAddrFailures of an address over all users: several people may
//     share one NAT; loginFreeUserFailures of a user over all addresses: a distributed
//     guess); every further failure closes the door for a window that doubles from one
//     second up to loginMaxLock. While it is closed, attempts are refused at once with
//     ResourceExhausted "too many failed logins; retry after N s", without any bcrypt work,
//     so a brute force cannot buy CPU. Even the right password is refused while a window is
//     open (otherwise guessing would just continue); bearer tokens already issued keep
//     working, and the user from another address is locked out only by a distributed
//     attack. A success resets the counts of the user and the address; counts are forgotten
//     after loginForget without failures.
//   - An attempt is counted as a failure when it is admitted and forgiven on success, so
//     concurrent guesses cannot all slip in before the first one fails.
//   - bcrypt runs under a semaphore of half the CPUs (at least one), so logins can never
//     occupy every core and starve queries; at most loginMaxQueued wait, the rest are refused.
//   - Unknown users are compared against a dummy hash of the same cost, so an unknown name
//     costs the same time as a wrong password.
const (
	loginFreeFailures     = 5
	loginFreeAddrFailures = 20
	loginFreeUserFailures = 100
	loginFirstLock        = time.Second
	loginMaxLock          = 5 * time.Minute
	loginForget           = 15 * time.Minute
	loginMaxQueued        = 256
	loginMaxEntries       = 100_000 // beyond this, forgotten entries are swept before adding
)

type failureCount struct {
	failures int
	until    time.Time // refused before this
	last     time.Time
}

type loginGuard struct {
	mu      sync.Mutex
	entries map[string]*failureCount
	sem     chan struct{}
	queued  int
	dummy   []byte // bcrypt hash of a random password, DefaultCost
}

func newLoginGuard() *loginGuard {
	n := max(1, runtime.GOMAXPROCS(0)/2)
	dummy, err := bcrypt.GenerateFromPassword([]byte(newQueryID()+newQueryID()), bcrypt.DefaultCost)
	if err != nil {
		panic(fmt.Sprintf("bcrypt of a dummy password: %v", err)) // only for absurd input
	}
	return &loginGuard{entries: map[string]*failureCount{}, sem: make(chan struct{}, n), dummy: dummy}
}

// throttledError is a refused attempt; the caller logs it.
func throttledError(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return errs.Errorf(errs.ErrResourceExhausted, "too many failed logins; retry after %d s", max(1, secs))
}

// admit counts an attempt for user and addr, or refuses it while either is locked.
func (g *loginGuard) admit(user, addr string, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	ua, a, u := g.entry("ua:"+user+"\x00"+addr, now), g.entry("a:"+addr, now), g.entry("u:"+user, now)
	if wait := max(ua.until.Sub(now), a.until.Sub(now), u.until.Sub(now)); wait > 0 {
		return throttledError(wait)
	}
	bump(ua, loginFreeFailures, now)
	bump(a, loginFreeAddrFailures, now)
	bump(u, loginFreeUserFailures, now)
	return nil
}

// succeeded forgives the user and the address.
func (g *loginGuard) succeeded(user, addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.entries, "ua:"+user+"\x00"+addr)
	delete(g.entries, "a:"+addr)
	delete(g.entries, "u:"+user)
}

func (g *loginGuard) entry(k string, now time.Time) *failureCount {
	e, ok := g.entries[k]
	if ok && now.Sub(e.last) > loginForget && !now.Before(e.until) {
		ok = false
	}
	if !ok {
		if len(g.entries) >= loginMaxEntries {
			g.sweep(now)
		}
		e = &failureCount{}
		g.entries[k] = e
	}
	return e
}

func (g *loginGuard) sweep(now time.Time) {
	for k, e := range g.entries {
		if now.Sub(e.last) > loginForget && !now.Before(e.until) {
			delete(g.entries, k)
		}
	}
}

func bump(e *failureCount, free int, now time.Time) {
	e.failures++
	e.last = now
	if e.failures >= free {
		lock := loginMaxLock
		if shift := e.failures - free; shift < 20 {
			lock = min(loginMaxLock, loginFirstLock<<shift)
		}
		e.until = now.Add(lock)
	}
}

// acquire takes a bcrypt slot, waiting at most as long as ctx allows.
func (g *loginGuard) acquire(ctx context.Context) (release func(), err error) {
	g.mu.Lock()
	if g.queued >= loginMaxQueued {
		g.mu.Unlock()
		return nil, errs.Errorf(errs.ErrResourceExhausted, "too many concurrent logins; retry later")
	}
	g.queued++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.queued--
		g.mu.Unlock()
	}()
	select {
	case g.sem <- struct{}{}:
		return func() { <-g.sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// clientAddr is the caller's IP address (without port: a client opens new connections from
// new ports), or "unknown".
func clientAddr(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return "unknown"
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}
