package physical

import (
	"fmt"

	"github.com/tern-db/tern/proto/errs"
)

// Fragment is a piece of a physical plan that runs as one unit (as Partitions parallel
// instances) between exchanges: its leaves are scans, constants and RemoteSources reading
// other fragments; a fragment that feeds another ends with an ExchangeSink.
type Fragment struct {
	ID   int
	Root Node
	// Partitions is how many instances run the fragment (its input partitioning).
	Partitions int
	// Output is how the fragment's output is partitioned for its consumer (the final
	// fragment: as its root delivers it, Partitions partitions).
	Output Partitioning
	// Inputs are the IDs of the fragments its RemoteSources read.
	Inputs []int
}

// Final reports whether f is the query's last fragment (no exchange sink).
func (f *Fragment) Final() bool {
	_, sink := f.Root.(*ExchangeSink)
	return !sink
}

// Fragments cuts a physical plan at its exchanges. The result lists inputs before the
// fragments that read them; the last is the final fragment, whose output is the query's.
// A plan without exchanges is one fragment.
func Fragments(root Node) ([]*Fragment, error) {
	var out []*Fragment
	cut, err := TransformUp(root, func(n Node) (Node, error) {
		e, ok := n.(*Exchange)
		if !ok {
			return n, nil
		}
		ex := *e
		ex.Input = nil
		parts := e.Input.Props().Partitioning.Count
		if (e.Kind == Merge || e.Kind == Gather) && e.Partitions > 1 {
			return nil, fmt.Errorf("%w: %s exchange with %d partitions", errs.ErrInternal, e.Kind, e.Partitions)
		}
		f := &Fragment{ID: len(out), Root: &ExchangeSink{Input: e.Input, Exchange: &ex}, Partitions: max(parts, 1),
			Output: ex.Output().Partitioning, Inputs: inputs(e.Input)}
		out = append(out, f)
		return &RemoteSource{Fragment: f.ID, SourcePartitions: f.Partitions, Exchange: &ex, Fields: e.Schema()}, nil
	})
	if err != nil {
		return nil, err
	}
	p := cut.Props().Partitioning
	out = append(out, &Fragment{ID: len(out), Root: cut, Partitions: max(p.Count, 1), Output: p, Inputs: inputs(cut)})
	return out, nil
}

// inputs lists the fragments the RemoteSources of a fragment's tree read.
func inputs(n Node) []int {
	var ids []int
	var walk func(Node)
	walk = func(n Node) {
		if r, ok := n.(*RemoteSource); ok {
			ids = append(ids, r.Fragment)
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(n)
	return ids
}
