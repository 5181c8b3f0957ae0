package functions

import (
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// orderedSetAggregates declares PostgreSQL's ordered-set aggregates, called as
// f(direct args) WITHIN GROUP (ORDER BY values): the inverse distributions percentile_cont,
// percentile_disc and mode, and the hypothetical-set rank, dense_rank, percent_rank and
// cume_dist (whose SQL names are also window functions; a call with OVER is a window
// function, one with WITHIN GROUP this aggregate). The binder types them
// (planner/bind_agg_order.go); the executor sorts each group's values (exec/hashagg_ordered.go).
func orderedSetAggregates() []*Agg {
	os := func(id, sql string, direct int, f exec.AggFunc) *Agg {
		return &Agg{ID: id, Name: id, URN: proto.URNTern, SQL: []string{sql}, Args: direct, Func: f, OrderedSet: true}
	}
	return []*Agg{
		os(proto.AggPercentileCont, "percentile_cont", 1, exec.AggPercentileCont),
		os(proto.AggPercentileDisc, "percentile_disc", 1, exec.AggPercentileDisc),
		os(proto.AggMode, "mode", 0, exec.AggMode),
		os(proto.AggHypRank, "rank", -1, exec.AggHypRank),
		os(proto.AggHypDenseRank, "dense_rank", -1, exec.AggHypDenseRank),
		os(proto.AggHypPercentRank, "percent_rank", -1, exec.AggHypPercentRank),
		os(proto.AggHypCumeDist, "cume_dist", -1, exec.AggHypCumeDist),
	}
}

// Hypothetical reports a hypothetical-set aggregate (one direct argument per ordering column).
func (a *Agg) Hypothetical() bool { return a.OrderedSet && a.Args < 0 }
