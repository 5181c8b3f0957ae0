package gateway

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A result far larger than memory streams in constant server memory under gRPC flow control:
// the producer waits on the client. The test reads slowly at first, then at full speed, while
// sampling the server's allocator (every Arrow buffer the query and the Flight writer hold)
// and the process heap. CI streams 10 million rows; TERN_LONG_TESTS=1 streams 50 million.
func TestStreamLargeResultInBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy")
	}
	n := int64(100_000) // n²/1000 joined rows
	if longTests() {
		n = 223_607
	}
	var wantRows int64 // y = x % 1000: sum over y of count(y)²
	for y := int64(0); y < 1000; y++ {
		k := n / 1000
		if y < n%1000 {
			k++
		}
		wantRows += k * k
	}
	ts := startServer(t, nil)
	c := ts.client(t)
	c.ingestRows(t, "big", n)
	runtime.GC()

	info, err := c.Execute(c.ctx, `SELECT a.x, b.x FROM big a JOIN big b ON a.y = b.y`)
	if err != nil {
		t.Fatal(err)
	}
	var maxAlloc, maxHeap atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
			if a := int64(ts.alloc.CurrentAlloc()); a > maxAlloc.Load() {
				maxAlloc.Store(a)
			}
			runtime.ReadMemStats(&ms)
			if h := int64(ms.HeapInuse); h > maxHeap.Load() {
				maxHeap.Store(h)
			}
		}
	}()

	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Minute)
	defer cancel()
	rdr, err := c.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	var rows, batches int64
	start := time.Now()
	for rdr.Next() {
		rows += rdr.RecordBatch().NumRows()
		batches++
		if time.Since(start) < 2*time.Second {
			time.Sleep(20 * time.Millisecond) // a slow reader first
		}
	}
	err = rdr.Err()
	rdr.Release()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rows != wantRows {
		t.Fatalf("streamed %d rows, want %d", rows, wantRows)
	}
	resultBytes := rows * 16
	t.Logf("%d rows (%d MB of values) in %d batches in %v; server allocator peak %d MB, heap in use peak %d MB",
		rows, resultBytes>>20, batches, time.Since(start).Round(time.Millisecond), maxAlloc.Load()>>20, maxHeap.Load()>>20)
	if maxAlloc.Load() > 96<<20 {
		t.Fatalf("server allocator peaked at %d MB: not bounded", maxAlloc.Load()>>20)
	}
	if maxHeap.Load() > 384<<20 {
		t.Fatalf("heap peaked at %d MB: not bounded", maxHeap.Load()>>20)
	}
}
