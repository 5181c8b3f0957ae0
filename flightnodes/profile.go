package flightnodes

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// Profile is what EXPLAIN ANALYZE shows: one node per Substrait relation with the rows and
// batches its operator returned, the time spent in its Open/Next calls (inclusive of its
// inputs; self is that minus the inputs' time), the peak bytes held through its own
// allocator, and bytes scanned for scans. Read it after the operator tree is drained.
type Profile struct {
	Root *ProfileNode
}

// ProfileNode is one relation's figures.
type ProfileNode struct {
	Name     string
	Children []*ProfileNode
	op       *exec.Measured
	mem      *exec.CountingAllocator
}

func (n *ProfileNode) Rows() int64            { return n.op.Rows }
func (n *ProfileNode) Batches() int64         { return n.op.Batches }
func (n *ProfileNode) Elapsed() time.Duration { return n.op.Elapsed }
func (n *ProfileNode) PeakMemory() int64      { return n.mem.Peak() }
func (n *ProfileNode) BytesScanned() int64    { return n.op.Stats().BytesScanned }
func (n *ProfileNode) SelfElapsed() time.Duration {
	d := n.op.Elapsed
	for _, c := range n.Children {
		d -= c.op.Elapsed
	}
	return max(d, 0)
}

// String renders the tree, one indented line per relation, e.g.
//
//	HashJoin[inner] rows=10 batches=1 time=1.234ms self=0.200ms peak_mem=12.0KiB
func (p *Profile) String() string {
	var b strings.Builder
	var walk func(n *ProfileNode, depth int)
	walk = func(n *ProfileNode, depth int) {
		fmt.Fprintf(&b, "%s%s rows=%d batches=%d time=%.3fms self=%.3fms peak_mem=%s",
			strings.Repeat("  ", depth), n.Name, n.Rows(), n.Batches(),
			float64(n.Elapsed().Microseconds())/1000, float64(n.SelfElapsed().Microseconds())/1000, kib(n.PeakMemory()))
		if bs := n.BytesScanned(); bs > 0 {
			fmt.Fprintf(&b, " bytes_scanned=%d", bs)
		}
		b.WriteByte('\n')
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	if p.Root != nil {
		walk(p.Root, 0)
	}
	return b.String()
}

func kib(n int64) string { return fmt.Sprintf("%.1fKiB", float64(n)/1024) }

// CompileAnalyzed is Compile with profiling: every relation's operators allocate through
// their own counting allocator and the relation's operator is wrapped to count rows, batches
// and time. Drain the operator, then read the Profile.
func CompileAnalyzed(ctx context.Context, plan []byte, env exec.Env) (exec.Operator, *Profile, error) {
	var p substraitpb.Plan
	if err := proto.Unmarshal(plan, &p); err != nil {
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "malformed Substrait plan: %v", err)
	}
	prof := &Profile{}
	op, err := compilePlan(ctx, &p, env, prof)
	if err != nil {
		return nil, nil, err
	}
	return op, prof, nil
}

// beginNode starts the profile node of a relation: its operators allocate through a fresh
// counting allocator. endNode wraps the relation's operator and restores the parent's state.
func (c *compiler) beginNode(r *substraitpb.Rel) func(op exec.Operator, err error) (exec.Operator, error) {
	if c.prof == nil {
		return func(op exec.Operator, err error) (exec.Operator, error) { return op, err }
	}
	parent, parentEnv := c.node, c.env
	n := &ProfileNode{Name: relName(r), mem: exec.NewCountingAllocator(c.env.Alloc)}
	c.node = n
	c.env.Alloc = n.mem
	return func(op exec.Operator, err error) (exec.Operator, error) {
		c.node, c.env = parent, parentEnv
		if err != nil {
			return nil, err
		}
		if _, isProject := r.GetRelType().(*substraitpb.Rel_Project); !isProject {
			if d := describe(op); d != "" {
				n.Name = d
			}
		}
		n.op = exec.NewMeasured(op)
		if parent != nil {
			parent.Children = append(parent.Children, n)
		} else {
			c.prof.Root = n
		}
		return n.op, nil
	}
}

// describe finds an operator's EXPLAIN name through projections and renames.
func describe(op exec.Operator) string {
	for {
		switch o := op.(type) {
		case exec.Describer:
			return o.Describe()
		case *renamed:
			op = o.Operator
			continue
		case *exec.Project:
			op = o.Input()
			continue
		}
		return ""
	}
}
