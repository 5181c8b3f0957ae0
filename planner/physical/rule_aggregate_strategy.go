package physical

// AggregateStrategy chooses how each aggregate runs. The executor has one strategy, a hash
// aggregate (which also serves ungrouped aggregates, DISTINCT arguments and grouping sets);
// streaming aggregation over sorted input is where a second choice would go.
type AggregateStrategy struct{}

func (AggregateStrategy) Name() string { return "aggregate_strategy" }

func (AggregateStrategy) Apply(c *Context, n Node) (Node, bool, error) {
	return transformUp(c, n, func(x Node) (Node, bool, error) {
		a, ok := x.(*Aggregate)
		if !ok {
			return x, false, nil
		}
		return (*HashAggregate)(a), true, nil
	})
}
