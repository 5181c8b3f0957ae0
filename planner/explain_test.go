package planner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/errs"
)

// EXPLAIN fails with the error that would fail the query, instead of leaving the physical
// plan out silently.
func TestExplainReportsProducerError(t *testing.T) {
	p := testPlanner().(*planner)
	b := newBinder(context.Background(), p, Session{}, nil, nil, false)
	vals := &logical.Values{Fields: logical.Schema{{Name: "a", Type: catalog.Int64}},
		Rows: [][]logical.Expr{{&logical.Literal{Typ: catalog.Int64, Value: int64(1)}}}}
	bad := &logical.Limit{Input: vals, Count: &logical.Column{Index: 0, Name: "a", Typ: catalog.Int64}}
	_, err := p.explain(b, bad, nil, bad.Schema().Arrow(), physical.Options{}, false)
	if err == nil || !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "LIMIT/OFFSET is not a constant") {
		t.Fatalf("got %v", err)
	}
}

// EXPLAIN shows the query's path: the logical plan, the physical plan with each node's
// partitioning, ordering and site, and the fragments as the Substrait relations nodes run;
// VERBOSE lists the physical rules after the logical ones.
func TestExplainShowsPath(t *testing.T) {
	p := testPlanner()
	st, err := p.Plan(context.Background(), Session{}, "EXPLAIN VERBOSE SELECT a, count(*) FROM t GROUP BY a ORDER BY a LIMIT 3", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(st.(*Explain).Lines, "\n")
	for _, w := range []string{"Logical plan:\n  Limit", "Physical plan:\n  TopN a#0 ASC NULLS LAST count=3::bigint  [single order=[a#0] site=any]",
		"Fragment 0: partitions=1 output=single\n  TopN keys=1 count=3 offset=0", "physical: aggregate_strategy", "physical: topn"} {
		if !strings.Contains(got, w) {
			t.Errorf("EXPLAIN lacks %q:\n%s", w, got)
		}
	}
	// cut into fragments by the session's tern.partitions
	st, err = p.Plan(context.Background(), Session{Settings: map[string]string{SettingPartitions: "2"}}, "EXPLAIN SELECT a, count(*) FROM t GROUP BY a", nil)
	if err != nil {
		t.Fatal(err)
	}
	got = strings.Join(st.(*Explain).Lines, "\n")
	for _, w := range []string{"Exchange hash(#0) partitions=2", "Fragment 1: partitions=2 output=hash(#0)x2 inputs=[0]", "RemoteSource fragment=0 hash source_partitions=1"} {
		if !strings.Contains(got, w) {
			t.Errorf("EXPLAIN lacks %q:\n%s", w, got)
		}
	}
	q, err := p.Plan(context.Background(), Session{Settings: map[string]string{SettingPartitions: "2"}}, "SELECT a, count(*) FROM t GROUP BY a", nil)
	if err != nil {
		t.Fatal(err)
	}
	if qq := q.(*Query); len(qq.Fragments) != 2 || qq.Partitions() != 2 || qq.Ordered || string(qq.Plan) != string(qq.Fragments[1].Plan) {
		t.Errorf("query %+v", qq)
	}
}
