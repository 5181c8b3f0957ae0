package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Replays of issue 10's attacks 5 (logins) and 6 (tickets) against real `tern serve`
// processes.

// loginFrom performs one Flight basic-auth handshake from the local address ip (any
// 127.0.0.0/8 address reaches a server on 127.0.0.1 on Linux), so that attackers and
// legitimate clients are different client addresses as they would be in real life.
func loginFrom(t *testing.T, addr, ip, user, password string) (time.Duration, error) {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	cl, err := flight.NewClientWithMiddleware(addr, nil, nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) { return dialer.DialContext(ctx, "tcp", a) }))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = cl.AuthenticateBasicToken(ctx, user, password)
	return time.Since(start), err
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func TestSecurityLoginBruteForce(t *testing.T) {
	srv := startServer(t, t.TempDir())
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	const q = "SELECT sum(x) FROM (VALUES (1), (2), (3)) AS v(x)"
	timeQueries := func(n int) []time.Duration {
		var out []time.Duration
		for i := 0; i < n; i++ {
			start := time.Now()
			expectRows(t, mustQuery(t, cn, q), "6")
			out = append(out, time.Since(start))
		}
		return out
	}
	base := median(timeQueries(10))

	// 50 wrong passwords for admin from another address, 8 at a time, while the logged-in
	// client keeps querying.
	const attempts = 50
	codesSeen := map[codes.Code]int{}
	var refusedTimes []time.Duration
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				d, err := loginFrom(t, srv.addr, "127.0.0.2", "admin", fmt.Sprintf("guess-%d", i))
				mu.Lock()
				codesSeen[status.Code(err)]++
				if status.Code(err) == codes.ResourceExhausted {
					refusedTimes = append(refusedTimes, d)
					if !strings.Contains(err.Error(), "too many failed logins; retry after") {
						t.Errorf("throttled login says %v", err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	queryDone := make(chan []time.Duration)
	stop := make(chan struct{})
	go func() {
		var out []time.Duration
		for {
			select {
			case <-stop:
				queryDone <- out
				return
			default:
			}
			out = append(out, timeQueries(1)...)
		}
	}()
	for i := 0; i < attempts; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(stop)
	during := <-queryDone
	t.Logf("login outcomes %v; query median %v before, %v during (%d queries); refused logins median %v",
		codesSeen, base, median(during), len(during), median(refusedTimes))
	if codesSeen[codes.OK] != 0 {
		t.Fatalf("a wrong password was accepted: %v", codesSeen)
	}
	if codesSeen[codes.ResourceExhausted] < attempts-10 {
		t.Fatalf("the brute force was not throttled: %v", codesSeen)
	}
	if m := median(refusedTimes); m > 50*time.Millisecond {
		t.Fatalf("refused logins take %v: they should cost no bcrypt time", m)
	}
	if m := median(during); m > base+300*time.Millisecond {
		t.Fatalf("queries slowed from %v to %v during the brute force", base, m)
	}

	// The legitimate admin on another address still logs in; the attacker's address is
	// refused even with the right password while its window is open.
	if _, err := loginFrom(t, srv.addr, "127.0.0.1", "admin", adminPassword); err != nil {
		t.Fatalf("admin from another address: %v", err)
	}
	// (Wrong guesses until one is refused: a window is open for at least a second then.)
	for i := 0; ; i++ {
		if _, err := loginFrom(t, srv.addr, "127.0.0.2", "admin", "one more guess"); status.Code(err) == codes.ResourceExhausted {
			break
		} else if i > 10 {
			t.Fatalf("wrong guesses are no longer throttled: %v", err)
		}
	}
	if _, err := loginFrom(t, srv.addr, "127.0.0.2", "admin", adminPassword); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("throttled address with the right password: %v", err)
	}

	// Every failure is in the server log with user, address and reason, never the password.
	// (stderr reaches srv.out asynchronously.)
	var log string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		log = srv.out.String()
		n := strings.Count(log, `msg="login failed" user=default/admin client=127.0.0.2`)
		if n >= attempts {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d failures logged:\n%s", n, attempts, log)
		}
	}
	for _, want := range []string{"reason=\"wrong password\"", "reason=throttled"} {
		if !strings.Contains(log, want) {
			t.Fatalf("log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "guess-") {
		t.Fatal("a password appears in the server log")
	}
	srv.assertHealthy(t, 0)
}

// An unknown user costs the same bcrypt work as a wrong password for a known one, so
// answer times do not tell which names exist.
func TestSecurityLoginTimingDoesNotRevealUsers(t *testing.T) {
	srv := startServer(t, t.TempDir())
	var known, unknown []time.Duration
	for i := 0; i < 12; i++ {
		ip := fmt.Sprintf("127.0.1.%d", i+1) // fresh addresses: stay below every throttle
		for _, c := range []struct {
			user string
			out  *[]time.Duration
		}{{"admin", &known}, {fmt.Sprintf("nobody%d", i), &unknown}} {
			d, err := loginFrom(t, srv.addr, ip, c.user, "wrong")
			if status.Code(err) != codes.Unauthenticated || !strings.Contains(err.Error(), "invalid user name or password") {
				t.Fatalf("%s: %v", c.user, err)
			}
			*c.out = append(*c.out, d)
		}
	}
	mk, mu := median(known), median(unknown)
	t.Logf("median login time: known user %v, unknown user %v", mk, mu)
	lo, hi := min(mk, mu), max(mk, mu)
	if hi-lo > lo/2+10*time.Millisecond {
		t.Fatalf("known %v vs unknown %v: timing reveals which users exist", mk, mu)
	}
	srv.assertHealthy(t, 0)
}

func ticketOf(t *testing.T, c *flightClient, sql string) (*flight.FlightInfo, []byte) {
	t.Helper()
	info, err := c.Execute(c.ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return info, info.Endpoint[0].Ticket.Ticket
}

func doGetErr(c *flightClient, info *flight.FlightInfo) error {
	rdr, err := c.DoGet(c.ctx, info.Endpoint[0].Ticket)
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	return rdr.Err()
}

func TestSecurityTicketsCarryTheirRights(t *testing.T) {
	t.Setenv("TERN_SECRET", "shared secret of both gateways, 32+ bytes long")
	wide := t.TempDir()
	narrow := filepath.Join(wide, "narrow")
	if err := os.Mkdir(narrow, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(wide, "private_payroll.parquet")
	writeParquet(t, file)
	a := startServer(t, t.TempDir(), "--allow-dir", wide)
	b := startServer(t, t.TempDir(), "--allow-dir", narrow)
	ca, cb := dialFlight(t, a.addr), dialFlight(t, b.addr)

	// A ticket planned on the wider gateway: A serves it, B refuses the file.
	info, tkt := ticketOf(t, ca, fmt.Sprintf("SELECT sum(id) FROM read_parquet('%s')", file))
	expectRows(t, ca.rows(t, info), "10")
	for _, leak := range []string{file, "private_payroll", wide, "city"} {
		if bytes.Contains(tkt, []byte(leak)) {
			t.Fatalf("the ticket reveals %q", leak)
		}
	}
	err := doGetErr(cb, info)
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "not under an allowed directory") {
		t.Fatalf("narrower gateway served a wider ticket: %v", err)
	}

	// A ticket of a table that is dropped (and vacuumed) before it is redeemed.
	cn, _ := openADBC(t, a.addr, "admin", adminPassword)
	execUpdate(t, cn, "CREATE TABLE secret_tbl (v integer)")
	execUpdate(t, cn, "INSERT INTO secret_tbl VALUES (1), (2)")
	info, tkt = ticketOf(t, ca, "SELECT sum(v) FROM secret_tbl")
	if bytes.Contains(tkt, []byte("secret_tbl")) || bytes.Contains(tkt, []byte("tables/")) {
		t.Fatal("the ticket reveals the table or its files")
	}
	info2, _ := ticketOf(t, ca, "SELECT count(*) FROM secret_tbl")
	execUpdate(t, cn, "DROP TABLE secret_tbl")
	err = doGetErr(ca, info)
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), `relation "secret_tbl" does not exist`) {
		t.Fatalf("ticket of a dropped table: %v", err)
	}
	execUpdate(t, cn, "VACUUM")
	err = doGetErr(ca, info2)
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), `relation "secret_tbl" does not exist`) {
		t.Fatalf("ticket of a dropped and vacuumed table: %v", err)
	}
	// A new table of the same name is another table: the old ticket stays dead.
	execUpdate(t, cn, "CREATE TABLE secret_tbl (v integer)")
	if err := doGetErr(ca, info); status.Code(err) != codes.NotFound {
		t.Fatalf("ticket of a dropped table after re-creation: %v", err)
	}
	a.assertHealthy(t, 0)
	b.assertHealthy(t, 0)
}

func TestSecurityTicketsExpire(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--ticket-ttl", "1s")
	c := dialFlight(t, srv.addr)
	info, _ := ticketOf(t, c, "SELECT 1")
	time.Sleep(2100 * time.Millisecond)
	err := doGetErr(c, info)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "ticket expired") {
		t.Fatalf("expired ticket: %v", err)
	}
	srv.assertHealthy(t, 0)
}
