package flightnodes

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// Executor runs fragments. The gateway holds one: an in-process Node for `tern serve`, or a
// client of remote nodes.
type Executor interface {
	// Run compiles the fragment's plan and returns its (unopened) root operator. The caller
	// opens, drains and closes it.
	Run(ctx context.Context, f *proto.Fragment) (exec.Operator, error)
}

// Node is an executor: it compiles fragments from their serialized Substrait bytes (always
// from the bytes, also in-process, so the distributed path is the one that is tested) and
// runs them with its allocator.
type Node struct {
	Alloc     memory.Allocator
	BatchSize int
}

var _ Executor = (*Node)(nil)

// NewNode returns a node allocating from mem (nil: Go allocator).
func NewNode(mem memory.Allocator) *Node {
	if mem == nil {
		mem = memory.NewGoAllocator()
	}
	return &Node{Alloc: mem}
}

func (n *Node) Run(ctx context.Context, f *proto.Fragment) (op exec.Operator, err error) {
	defer func() {
		if r := recover(); r != nil {
			op, err = nil, fmt.Errorf("%w: compiling fragment: %v", errs.ErrInternal, r)
		}
	}()
	if len(f.Plan) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "fragment has no plan")
	}
	return compileFragment(ctx, f, exec.Env{Alloc: n.Alloc, BatchSize: n.BatchSize})
}

// Analyzer is an optional capability of an Executor: run a fragment with per-operator
// profiling for EXPLAIN ANALYZE.
type Analyzer interface {
	RunAnalyzed(ctx context.Context, f *proto.Fragment) (exec.Operator, *Profile, error)
}

var _ Analyzer = (*Node)(nil)

func (n *Node) RunAnalyzed(ctx context.Context, f *proto.Fragment) (op exec.Operator, p *Profile, err error) {
	defer func() {
		if r := recover(); r != nil {
			op, p, err = nil, nil, fmt.Errorf("%w: compiling fragment: %v", errs.ErrInternal, r)
		}
	}()
	if len(f.Plan) == 0 {
		return nil, nil, errs.Errorf(errs.ErrInvalidArgument, "fragment has no plan")
	}
	return CompileAnalyzed(ctx, f.Plan, exec.Env{Alloc: n.Alloc, BatchSize: n.BatchSize})
}
