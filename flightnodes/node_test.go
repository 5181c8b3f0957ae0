package flightnodes_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// csvRead is a files-connector scan of a "k;v" CSV file with a header line (k, v: i64).
func csvRead(t *testing.T, path string) *substraitpb.Rel {
	t.Helper()
	split, err := files.EncodeSplit(files.Split{Format: files.CSV, Paths: []string{path}, CSVHeader: true, CSVDelimiter: ';'})
	if err != nil {
		t.Fatal(err)
	}
	return &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: namedStruct([]string{"k", "v"}, tyI64(), tyI64()),
		ReadType: &substraitpb.ReadRel_ExtensionTable_{ExtensionTable: &substraitpb.ReadRel_ExtensionTable{
			Detail: scanDetail(t, &planpb.ConnectorScan{Connector: files.ConnectorName, Splits: []*planpb.ScanSplit{{Data: split}}})}},
	}}}
}

// writeCSV writes n rows "k;v" with k = i % keys and v = i.
func writeCSV(t *testing.T, n, keys int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("k;v\n")
	for i := range n {
		fmt.Fprintf(&b, "%d;%d\n", i%keys, i)
	}
	path := filepath.Join(t.TempDir(), "t.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// busyPlan counts the rows of a self-join of n rows on one key: n² joined rows, long
// enough (n = 20000: 400 million) to be cancelled while it runs.
func busyPlan(t *testing.T, n int) []byte {
	path := writeCSV(t, n, 1)
	p := newPlan()
	j := hashJoin(csvRead(t, path), csvRead(t, path), substraitpb.HashJoinRel_JOIN_TYPE_INNER, nil, [3]int32{0, 0, 0})
	agg := &substraitpb.Rel{RelType: &substraitpb.Rel_Aggregate{Aggregate: &substraitpb.AggregateRel{
		Input:     j,
		Groupings: []*substraitpb.AggregateRel_Grouping{{}},
		Measures:  []*substraitpb.AggregateRel_Measure{p.agg("count", tyI64(), false)},
	}}}
	return p.root(agg, "n")
}

// Cancel, called from another goroutine, stops every running fragment of the query on the
// node (a Next in progress returns ErrCancelled), releases their memory before it returns,
// and refuses later fragments of that query; other queries run on.
func TestNodeCancelByQueryID(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	node := flightnodes.NewNode(mem)
	ctx := context.Background()
	plan := busyPlan(t, 20000)

	type result struct {
		err error
	}
	started := make(chan struct{}, 2)
	results := make(chan result, 2)
	for range 2 { // two fragments of the query
		s, err := node.Run(ctx, &proto.Fragment{QueryID: "q1", Plan: plan})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer s.Close()
			if err := s.Open(ctx); err != nil {
				results <- result{err: err}
				return
			}
			started <- struct{}{}
			b, err := s.Next(ctx) // counts 400 million joined rows: runs until cancelled
			if b != nil {
				b.Release()
			}
			results <- result{err: err}
		}()
	}
	other, err := node.Run(ctx, &proto.Fragment{QueryID: "q2", Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	<-started
	if got := node.Running("q1"); got != 2 {
		t.Fatalf("%d fragments of q1 registered, want 2", got)
	}
	time.Sleep(100 * time.Millisecond) // well inside the join
	if mem.CurrentAlloc() == 0 {
		t.Fatal("the fragments hold no memory while running")
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := node.Cancel(cctx, "q1"); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	t.Logf("cancelled in %v", time.Since(t0))
	if got := node.Running("q1"); got != 0 {
		t.Errorf("%d fragments of q1 still registered", got)
	}
	// Both fragments' operators are closed: only the unopened q2 holds memory (none yet).
	if got := mem.CurrentAlloc(); got != 0 {
		t.Errorf("%d bytes held after Cancel returned", got)
	}
	for range 2 {
		r := <-results
		if !errors.Is(r.err, flightnodes.ErrCancelled) || !errors.Is(r.err, context.Canceled) {
			t.Errorf("cancelled fragment ended with %v, want ErrCancelled", r.err)
		}
	}
	// A fragment of q1 that arrives after the cancel is refused.
	if _, err := node.Run(ctx, &proto.Fragment{QueryID: "q1", Plan: plan}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after Cancel: %v, want Canceled", err)
	}
	// q2 is untouched.
	if node.Running("q2") != 1 {
		t.Errorf("q2 not running")
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if node.RunningQueries() != 0 {
		t.Errorf("%d queries still registered", node.RunningQueries())
	}
}

// A fragment's stats at the end of its stream equal what it returned and what its scans read.
func TestNodeFragmentStats(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	node := flightnodes.NewNode(mem)
	node.BatchSize = 7
	path := writeCSV(t, 100, 10)
	p := newPlan()
	f := filterRel(csvRead(t, path), p.call("lt", tyBool(), field(0), lit(litI64(3)))) // 30 rows
	plan := p.root(f, "k", "v")

	// The bytes the same plan's scans read, counted independently.
	var want atomic.Int64
	cctx := files.WithBytesCounter(context.Background(), &want)
	op, err := flightnodes.Compile(cctx, plan, exec.Env{Alloc: mem, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := exec.Drain(cctx, op)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		b.Release()
	}
	if want.Load() == 0 {
		t.Fatal("the scan reported no bytes")
	}

	// The caller's own counter still gets the fragment's bytes (at the end).
	var outer atomic.Int64
	ctx := files.WithBytesCounter(context.Background(), &outer)
	s, err := node.Run(ctx, &proto.Fragment{QueryID: "q", FragmentID: 2, Partition: 1, Partitions: 2, Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var rows, batches int64
	for {
		b, err := s.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows += b.NumRows()
		batches++
		b.Release()
	}
	st := s.FragmentStats()
	if st.GetQueryId() != "q" || st.GetFragmentId() != 2 || st.GetPartition() != 1 {
		t.Errorf("identity %v", st)
	}
	if rows != 30 || st.GetRows() != rows || st.GetBatches() != batches {
		t.Errorf("stats rows=%d batches=%d; streamed %d rows in %d batches (want 30 rows)", st.GetRows(), st.GetBatches(), rows, batches)
	}
	if st.GetBytesScanned() != want.Load() {
		t.Errorf("bytes scanned %d, want %d", st.GetBytesScanned(), want.Load())
	}
	if st.GetPeakMemory() <= 0 || st.GetElapsedNanos() <= 0 || st.GetCancelled() {
		t.Errorf("peak memory %d, elapsed %d, cancelled %v", st.GetPeakMemory(), st.GetElapsedNanos(), st.GetCancelled())
	}
	if outer.Load() != want.Load() { // at the end of the stream, before Close
		t.Errorf("caller's counter got %d bytes, want %d", outer.Load(), want.Load())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if outer.Load() != want.Load() { // and only once
		t.Errorf("after Close the caller's counter has %d bytes, want %d", outer.Load(), want.Load())
	}
	if _, err := s.Next(ctx); !errors.Is(err, exec.ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// A caller's deadline ends a fragment like a cancel: with the context's error, memory freed.
func TestNodeCallerDeadline(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	node := flightnodes.NewNode(mem)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	s, err := node.Run(ctx, &proto.Fragment{QueryID: "q", Plan: busyPlan(t, 20000)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Next(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if node.Running("q") != 0 {
		t.Error("the fragment is still registered after its deadline")
	}
}

// A panic while compiling is an Internal error from the node (the process stays up) but
// goes through Compile, so fuzz targets and tests that call Compile see it.
func TestNodeCompilePanicIsInternal(t *testing.T) {
	// A plan the consumer panics on would be a bug to fix; the hook makes one.
	restore := flightnodes.SetCompileHookForTest(func() { panic("injected") })
	defer restore()
	p := newPlan()
	plan := p.root(values([]string{"a"}, []*substraitpb.Type{tyI32()}), "a")
	node := flightnodes.NewNode(nil)
	_, err := node.Run(context.Background(), &proto.Fragment{QueryID: "q", Plan: plan})
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("node: %v, want Internal", err)
	}
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("Compile hid the panic")
			}
		}()
		flightnodes.Compile(context.Background(), plan, exec.Env{})
	}()
}
