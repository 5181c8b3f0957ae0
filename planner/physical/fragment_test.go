package physical

import (
	"context"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// groupedJoin is SELECT a, count(*) FROM small JOIN big ON a = b GROUP BY a, logically.
func groupedJoin() logical.Node {
	j := &logical.Join{Left: lscan("big", 1000, "b", "c"), Right: lscan("small", 10, "a"), Type: logical.JoinInner,
		Cond: eq(colRef(0, "b"), colRef(2, "a"))}
	return &logical.Aggregate{Input: j, Groups: []logical.Expr{colRef(2, "a")},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"a", "count"}}
}

func TestPlanSingleProcessHasNoExchange(t *testing.T) {
	p, fired, err := Plan(context.Background(), groupedJoin(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectLines(t, Explain(p), `
HashAggregate groups=[a#2] aggs=[count(*)]  [single site=any]
  HashJoin Inner keys=[b#0 = a#0] build=right  [single site=any]
    Scan big columns=[b, c]  [single site=any]
    Scan small columns=[a]  [single site=any]`)
	if len(fired) != 2 || fired[0] != "physical: join_strategy" || fired[1] != "physical: aggregate_strategy" {
		t.Errorf("fired %v", fired)
	}
	frags, err := Fragments(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) != 1 || frags[0].Partitions != 1 || !frags[0].Final() || len(frags[0].Inputs) != 0 {
		t.Errorf("fragments %+v", frags)
	}
}

func TestPlanPartitionedCutsFragments(t *testing.T) {
	p, _, err := Plan(context.Background(), groupedJoin(), Options{Partitions: 3, CutScans: true})
	if err != nil {
		t.Fatal(err)
	}
	expectLines(t, Explain(p), `
HashAggregate groups=[a#2] aggs=[count(*)]  [hash(#0)x3 site=any]
  Exchange hash(#2) partitions=3  [hash(#2)x3 site=any]
    HashJoin Inner keys=[b#0 = a#0] build=right  [single site=any]
      Exchange gather  [single site=any]
        Scan big columns=[b, c]  [single site=any]
      Exchange gather  [single site=any]
        Scan small columns=[a]  [single site=any]`)
	frags, err := Fragments(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range frags {
		got = append(got, f.Output.String())
		got = append(got, Explain(f.Root)...)
	}
	expectLines(t, got, `
single
ExchangeSink gather  [single site=any]
  Scan big columns=[b, c]  [single site=any]
single
ExchangeSink gather  [single site=any]
  Scan small columns=[a]  [single site=any]
hash(#2)x3
ExchangeSink hash(#2) partitions=3  [hash(#2)x3 site=any]
  HashJoin Inner keys=[b#0 = a#0] build=right  [single site=any]
    RemoteSource fragment=0 partitions=1 gather  [single site=any]
    RemoteSource fragment=1 partitions=1 gather  [single site=any]
hash(#0)x3
HashAggregate groups=[a#2] aggs=[count(*)]  [hash(#0)x3 site=any]
  RemoteSource fragment=2 partitions=1 hash  [hash(#2)x3 site=any]`)
	if f := frags[3]; !f.Final() || f.Partitions != 3 || len(f.Inputs) != 1 || f.Inputs[0] != 2 {
		t.Errorf("final fragment %+v", f)
	}
	if f := frags[2]; f.Final() || f.Partitions != 1 || len(f.Inputs) != 2 {
		t.Errorf("fragment 2 %+v", f)
	}
}

func TestExchangesGatherBeforeSort(t *testing.T) {
	agg := groupedJoin()
	s := &logical.Sort{Input: agg, Keys: []logical.SortKey{{Expr: colRef(0, "a")}}}
	p, _, err := Plan(context.Background(), s, Options{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	expectPlan(t, p, `
Sort a#0 ASC NULLS LAST
  Exchange gather
    HashAggregate groups=[a#2] aggs=[count(*)]
      Exchange hash(#2) partitions=2
        HashJoin Inner keys=[b#0 = a#0] build=right
          Scan big columns=[b, c]
          Scan small columns=[a]`)
	if !Ordered(p) || p.Props().Partitioning.Count != 1 {
		t.Errorf("ordered %v, props %v", Ordered(p), p.Props())
	}
	// an aggregate without groups gathers
	total := &logical.Aggregate{Input: lscan("t", 5, "x"), Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"count"}}
	p, _, err = Plan(context.Background(), &logical.Aggregate{Input: agg, Aggs: total.Aggs, Names: total.Names}, Options{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Props().Partitioning.Count != 1 {
		t.Errorf("ungrouped aggregate over partitions: %v", p.Props())
	}
}
