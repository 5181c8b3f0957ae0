package gateway

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/flightnodes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// longTests enables the full-size versions of the heavy tests (TERN_LONG_TESTS=1).
func longTests() bool { return os.Getenv("TERN_LONG_TESTS") == "1" }

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runningFragments is how many fragments of query qid the server's node runs.
func runningFragments(ts *testServer, qid string) int {
	return ts.exec.(*flightnodes.Node).Running(qid)
}

// busyQuery is a query that runs for long on one core with little output: an equi-join with
// n²/1000 rows, counted. With n = 1.7M that is 2.9 billion joined rows: about 35 s of one core
// uncancelled (360 million rows took 4.2 s here).
const busyQuery = `SELECT count(*) FROM big a JOIN big b ON a.y = b.y`

// startBusy starts busyQuery's DoGet in the background and waits until it is burning CPU.
func startBusy(t *testing.T, ts *testServer, c *client, ctx context.Context) (*flight.FlightInfo, string, <-chan error) {
	t.Helper()
	info, err := c.Execute(c.ctx, busyQuery)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := ts.verifyTicket(info.Endpoint[0].Ticket, Identity{Tenant: "default"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.readInfo(ctx, info)
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for runningFragments(ts, tp.QueryID) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("query did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Let it get going (the build side loaded, the probe running): it burns CPU.
	c0, t1 := cpuTime(), time.Now()
	for cpuTime()-c0 < 300*time.Millisecond {
		if time.Since(t1) > 5*time.Second {
			t.Fatalf("the query does not seem to run: %v of CPU in 5s", cpuTime()-c0)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("running: %d bytes of the server's allocator held", ts.alloc.CurrentAlloc())
	return info, tp.QueryID, done
}

// waitStopped checks that within one second of a cancel the query's run is gone, the process
// CPU stops growing, and the query's memory is back to the allocator.
func waitStopped(t *testing.T, ts *testServer, qid string, baseline int) {
	t.Helper()
	start := time.Now()
	for runningFragments(ts, qid) > 0 {
		if time.Since(start) > time.Second {
			t.Fatalf("query still registered %v after the cancel", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	for ts.alloc.CurrentAlloc() > baseline+(1<<20) {
		if time.Since(start) > time.Second {
			t.Fatalf("query memory not released %v after the cancel: %d bytes held (baseline %d)", time.Since(start), ts.alloc.CurrentAlloc(), baseline)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stopped := time.Since(start)
	// CPU: over the next 500ms the process uses a small fraction of one core.
	c0 := cpuTime()
	time.Sleep(500 * time.Millisecond)
	if used := cpuTime() - c0; used > 150*time.Millisecond {
		t.Fatalf("CPU still in use after the cancel: %v in 500ms", used)
	}
	t.Logf("stopped and released %v after the cancel", stopped)
}

// Cancelling a running long query (CancelFlightInfo, the deprecated CancelQuery action, a
// client deadline, a client hanging up) frees its CPU and memory within one second.
func TestConformanceCancelFreesCPUAndMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy")
	}
	ts := startServer(t, nil)
	c := ts.client(t)
	c.ingestRows(t, "big", 1_700_000)
	runtime.GC()
	baseline := ts.alloc.CurrentAlloc()

	t.Run("CancelFlightInfo", func(t *testing.T) {
		info, qid, done := startBusy(t, ts, c, c.ctx)
		res, err := c.CancelFlightInfo(c.ctx, &flight.CancelFlightInfoRequest{Info: info})
		if err != nil || res.Status != flight.CancelStatusCancelled {
			t.Fatalf("cancel: %v %v", res, err)
		}
		waitStopped(t, ts, qid, baseline)
		err = <-done
		wantCode(t, err, codes.Canceled)
		// The ticket of a cancelled query stays cancelled on this gateway.
		_, err = c.readInfo(c.ctx, info)
		wantCode(t, err, codes.Canceled)
	})
	t.Run("CancelQuery", func(t *testing.T) {
		info, qid, done := startBusy(t, ts, c, c.ctx)
		res, err := c.CancelQuery(c.ctx, info)
		if err != nil || res != flightsql.CancelResultCancelled {
			t.Fatalf("cancel: %v %v", res, err)
		}
		waitStopped(t, ts, qid, baseline)
		wantCode(t, <-done, codes.Canceled)
	})
	t.Run("Deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(c.ctx, 2*time.Second)
		defer cancel()
		_, qid, done := startBusy(t, ts, c, ctx)
		err := <-done
		if status.Code(err) != codes.DeadlineExceeded && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want DeadlineExceeded, got %v", err)
		}
		waitStopped(t, ts, qid, baseline)
	})
	t.Run("ClientGone", func(t *testing.T) {
		ctx, cancel := context.WithCancel(c.ctx)
		_, qid, done := startBusy(t, ts, c, ctx)
		cancel()
		<-done
		waitStopped(t, ts, qid, baseline)
	})
	// A forged FlightInfo cancels nothing and is refused.
	bad := &flight.FlightInfo{Endpoint: []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: []byte("nope")}}}}
	_, err := c.CancelFlightInfo(c.ctx, &flight.CancelFlightInfoRequest{Info: bad})
	wantCode(t, err, codes.InvalidArgument)
}
