package physical

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/planner/logical"
)

// Explain renders the plan as indented lines, one node per line with its props, children
// indented by two spaces under their parent.
func Explain(n Node) []string {
	var out []string
	explain(n, 0, &out)
	return out
}

func explain(n Node, depth int, out *[]string) {
	*out = append(*out, strings.Repeat("  ", depth)+n.Describe()+"  ["+n.Props().String()+"]")
	for _, c := range n.Children() {
		explain(c, depth+1, out)
	}
}

// describe renders a logical node standing in for a physical one (children as leaves).
func describe(n logical.Node) string { return logical.Describe(n) }

func (n *Scan) Describe() string   { return describe(n.Logical) }
func (n *Values) Describe() string { return describe(n.Logical) }
func (n *Filter) Describe() string { return describe(&logical.Filter{Cond: n.Cond}) }
func (n *Project) Describe() string {
	return describe(&logical.Project{Exprs: n.Exprs, Names: n.Names, Quals: n.Quals})
}
func (n *Join) Describe() string {
	return "Unplanned" + describe(&logical.Join{Type: n.Type, Cond: n.Cond})
}
func (n *NestedLoopJoin) Describe() string {
	s := "NestedLoopJoin " + n.Type.String()
	if n.Cond != nil {
		s += " on " + n.Cond.String()
	}
	return s
}
func (n *HashJoin) Describe() string {
	keys := make([]string, len(n.LeftKeys))
	for i := range n.LeftKeys {
		op := " = "
		if n.NullEqual != nil && n.NullEqual[i] {
			op = " <=> "
		}
		keys[i] = n.LeftKeys[i].String() + op + n.RightKeys[i].String()
	}
	s := "HashJoin " + n.Type.String() + " keys=[" + strings.Join(keys, ", ") + "]"
	if n.Residual != nil {
		s += " residual=" + n.Residual.String()
	}
	if n.Build == BuildLeft {
		return s + " build=left"
	}
	return s + " build=right"
}
func (n *Aggregate) Describe() string { return "Unplanned" + describe(n.logical()) }
func (n *HashAggregate) Describe() string {
	return "Hash" + describe((*Aggregate)(n).logical())
}
func (n *Sort) Describe() string { return describe(&logical.Sort{Keys: n.Keys}) }
func (n *TopN) Describe() string {
	s := "TopN " + strings.TrimPrefix(describe(&logical.Sort{Keys: n.Keys}), "Sort ")
	return s + strings.TrimPrefix(describe(&logical.Limit{Offset: n.Offset, Count: n.Count}), "Limit")
}
func (n *Limit) Describe() string { return describe(&logical.Limit{Offset: n.Offset, Count: n.Count}) }
func (n *SetOp) Describe() string { return describe(&logical.SetOp{Op: n.Op, All: n.All}) }
func (n *Window) Describe() string {
	return describe(&logical.Window{Partition: n.Partition, Order: n.Order, Funcs: n.Funcs})
}
func (n *Exchange) Describe() string { return "Exchange " + exchangeDetail(n) }
func (n *ExchangeSink) Describe() string {
	return "ExchangeSink " + exchangeDetail(n.Exchange)
}
func (n *RemoteSource) Describe() string {
	return fmt.Sprintf("RemoteSource fragment=%d partitions=%d %s", n.Fragment, n.SourcePartitions, n.Exchange.Kind)
}

func exchangeDetail(e *Exchange) string {
	switch e.Kind {
	case HashRows:
		return fmt.Sprintf("hash(%s) partitions=%d", cols(e.Keys), e.Partitions)
	case Merge:
		keys := make([]string, len(e.SortKeys))
		for i, k := range e.SortKeys {
			keys[i] = sortKeyString(k)
		}
		return "merge [" + strings.Join(keys, ", ") + "]"
	case Gather:
		return "gather"
	}
	return fmt.Sprintf("%s partitions=%d", e.Kind, e.Partitions)
}
