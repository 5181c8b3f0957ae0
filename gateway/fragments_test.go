package gateway

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
)

// fragmentQueries run cut into fragments (SET tern.partitions) must answer what they answer
// as one fragment. Grouped aggregates end up over hash partitions of their input, joins and
// sorts gather, every scan runs in a fragment of its own.
var fragmentQueries = []struct {
	sql   string
	parts int // result partitions (FlightInfo endpoints) when cut
}{
	{"SELECT k, count(*), sum(v), min(s) FROM t GROUP BY k", 3},
	{"SELECT s, count(DISTINCT k) FROM t GROUP BY s", 3},
	{"SELECT t.k, count(*), sum(u.w) FROM t JOIN u ON t.k = u.k WHERE u.w > 1 GROUP BY t.k", 3},
	{"SELECT k, sum(v) AS total FROM t GROUP BY k HAVING sum(v) > 10", 3},
	{"SELECT k, sum(v) FROM t GROUP BY k ORDER BY k DESC", 1},
	{"SELECT count(*), sum(v) FROM t", 1},
	{"SELECT t.s, u.w FROM t JOIN u ON t.k = u.k ORDER BY t.s, u.w LIMIT 7", 1},
}

func fragmentData(t *testing.T, c *client) {
	c.exec(t, "CREATE TABLE t (k int, v bigint, s text)")
	c.exec(t, "CREATE TABLE u (k int, w double precision)")
	var vals, uvals []string
	for i := 0; i < 200; i++ {
		k := "NULL"
		if i%17 != 0 {
			k = itoa(i % 11)
		}
		vals = append(vals, "("+k+", "+itoa(i)+", 's"+itoa(i%5)+"')")
		if i < 40 {
			uvals = append(uvals, "("+itoa(i%13)+", "+itoa(i)+".5)")
		}
	}
	c.exec(t, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
	c.exec(t, "INSERT INTO u VALUES "+strings.Join(uvals, ", "))
}

var itoa = strconv.Itoa

func TestFragmentedQueries(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	fragmentData(t, c)
	single := map[string][]string{}
	for _, q := range fragmentQueries {
		info, err := c.Execute(c.ctx, q.sql)
		if err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
		if len(info.Endpoint) != 1 {
			t.Fatalf("%s: %d endpoints as one fragment", q.sql, len(info.Endpoint))
		}
		single[q.sql] = c.rows(t, info)
		if len(single[q.sql]) == 0 {
			t.Fatalf("%s: no rows", q.sql)
		}
	}
	c.exec(t, "SET tern.partitions = 3")
	for _, q := range fragmentQueries {
		info, err := c.Execute(c.ctx, q.sql)
		if err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
		if len(info.Endpoint) != q.parts {
			t.Errorf("%s: %d endpoints, want %d", q.sql, len(info.Endpoint), q.parts)
		}
		ordered := strings.Contains(q.sql, "ORDER BY")
		if info.Ordered != ordered {
			t.Errorf("%s: ordered=%v", q.sql, info.Ordered)
		}
		got, want := c.rows(t, info), append([]string(nil), single[q.sql]...)
		if !ordered {
			sort.Strings(got)
			sort.Strings(want)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: cut into fragments\n got %q\nwant %q", q.sql, got, want)
		}
		// each endpoint alone serves its own partition
		if q.parts > 1 {
			n := 0
			for _, ep := range info.Endpoint {
				rdr, err := c.DoGet(c.ctx, ep.Ticket)
				if err != nil {
					t.Fatal(err)
				}
				for rdr.Next() {
					n += int(rdr.RecordBatch().NumRows())
				}
				rdr.Release()
			}
			if n != len(want) {
				t.Errorf("%s: endpoints hold %d rows, want %d", q.sql, n, len(want))
			}
		}
	}
	// EXPLAIN shows the path: logical, physical with partitioning, fragments
	plan := strings.Join(c.query(t, "EXPLAIN "+fragmentQueries[0].sql), "\n")
	for _, w := range []string{"Logical plan:", "Physical plan:", "Exchange hash(", "[hash(#0)x3 site=any]",
		"Fragment 0: partitions=1 output=hash(#0)x3", "RemoteSource fragment=0 hash source_partitions=1", "ExchangeSink hash keys=", "Fragment 1: partitions=3 output=hash(#0)x3 inputs=[0]"} {
		if !strings.Contains(plan, w) {
			t.Errorf("EXPLAIN lacks %q:\n%s", w, plan)
		}
	}
	// CancelFlightInfo cancels the query behind every endpoint
	info, err := c.Execute(c.ctx, fragmentQueries[0].sql)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.CancelFlightInfo(c.ctx, &flight.CancelFlightInfoRequest{Info: info}); err != nil || res.Status != flight.CancelStatusCancelled {
		t.Fatalf("cancel: %v %v", res, err)
	}
	for _, ep := range info.Endpoint {
		_, err := c.readInfo(c.ctx, &flight.FlightInfo{Endpoint: []*flight.FlightEndpoint{ep}})
		wantCode(t, err, codes.Canceled)
	}
	// writes run their source as one fragment whatever the setting
	c.exec(t, "CREATE TABLE agg AS SELECT k, count(*) AS n FROM t GROUP BY k")
	c.exec(t, "INSERT INTO agg SELECT k, count(*) FROM t GROUP BY k")
	if got := c.query(t, "SELECT count(*) FROM agg"); len(got) != 1 || got[0] != "24" {
		t.Errorf("written rows: %q", got)
	}
}

// The ADBC driver reads every endpoint of a FlightInfo.
func TestFragmentedQueriesADBC(t *testing.T) {
	ts := startServer(t, nil)
	fragmentData(t, ts.client(t))
	cn := ts.openADBC(t, nil)
	q := fragmentQueries[2].sql
	one := adbcQuery(t, cn, q, nil)
	adbcExec(t, cn, "SET tern.partitions = 4")
	cut := adbcQuery(t, cn, q, nil)
	sort.Strings(one)
	sort.Strings(cut)
	if strings.Join(one, "\n") != strings.Join(cut, "\n") || len(one) == 0 {
		t.Errorf("cut into fragments\n got %q\nwant %q", cut, one)
	}
}
