// Package flightnodes runs plan fragments on an executor node. This file holds the Substrait
// consumer: Compile turns a serialized substraitpb.Plan (conventions in package proto) into
// an exec.Operator tree, one rel_*.go file per relation.
package flightnodes

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// Compile builds the operator tree of a serialized Substrait plan with one RelRoot. The
// output columns take the root's names. Unknown relations, functions and types are
// errs.ErrNotSupported; malformed plans are errs.ErrInvalidArgument. The caller owns the
// operator (Open, Next, Close).
func Compile(ctx context.Context, plan []byte, env exec.Env) (op exec.Operator, err error) {
	var p substraitpb.Plan
	if err := proto.Unmarshal(plan, &p); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "malformed Substrait plan: %v", err)
	}
	return CompilePlan(ctx, &p, env)
}

// CompilePlan is Compile over an already decoded plan.
func CompilePlan(ctx context.Context, p *substraitpb.Plan, env exec.Env) (op exec.Operator, err error) {
	return compilePlan(ctx, p, env, nil)
}

// compileHook, when set (tests only, export_test.go), runs as compiling starts: tests inject
// a panic with it.
var compileHook func()

// CompileTask is Compile for one partition of a fragment of a query cut at exchanges: the
// task says which partition, and resolves the fragment's RemoteSources (rel_exchange.go).
func CompileTask(ctx context.Context, plan []byte, env exec.Env, task Task) (exec.Operator, error) {
	var p substraitpb.Plan
	if err := proto.Unmarshal(plan, &p); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "malformed Substrait plan: %v", err)
	}
	return compileTask(ctx, &p, env, nil, task)
}

func compilePlan(ctx context.Context, p *substraitpb.Plan, env exec.Env, prof *Profile) (op exec.Operator, err error) {
	return compileTask(ctx, p, env, prof, Task{})
}

func compileTask(ctx context.Context, p *substraitpb.Plan, env exec.Env, prof *Profile, task Task) (op exec.Operator, err error) {
	c := &compiler{ctx: ctx, env: env, funcs: map[uint32]string{}, urns: map[uint32]string{}, prof: prof, task: task}
	defer func() {
		// A panic here is a bug of the consumer, not a property of the plan: release what was
		// built and let it through. Node.Run turns it into an Internal error (the node stays
		// up); the fuzz targets, which call Compile directly, see it as a failure.
		if r := recover(); r != nil {
			c.closeAll()
			panic(r)
		}
		if err != nil {
			c.closeAll()
		}
	}()
	if compileHook != nil {
		compileHook()
	}
	urns := map[uint32]string{}
	for _, u := range p.GetExtensionUrns() {
		urns[u.GetExtensionUrnAnchor()] = u.GetUrn()
	}
	for _, ext := range p.GetExtensions() {
		if f := ext.GetExtensionFunction(); f != nil {
			name := f.GetName()
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			c.funcs[f.GetFunctionAnchor()] = name
			c.urns[f.GetFunctionAnchor()] = urns[f.GetExtensionUrnReference()]
		}
	}
	var root *substraitpb.RelRoot
	for _, r := range p.GetRelations() {
		switch {
		case r.GetRoot() != nil:
			if root != nil {
				return nil, errs.Errorf(errs.ErrNotSupported, "plans with several roots")
			}
			root = r.GetRoot()
		case r.GetRel() != nil && len(p.GetRelations()) == 1:
			root = &substraitpb.RelRoot{Input: r.GetRel()}
		}
	}
	if root == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "Substrait plan has no root relation")
	}
	op, err = c.rel(root.GetInput())
	if err != nil {
		return nil, err
	}
	if names := root.GetNames(); len(names) > 0 {
		if len(names) != op.Schema().NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "root has %d names for %d columns", len(names), op.Schema().NumFields())
		}
		op = rename(op, names)
	}
	return op, nil
}

type compiler struct {
	ctx   context.Context
	env   exec.Env
	funcs map[uint32]string
	urns  map[uint32]string    // extension URN of each function anchor
	built []exec.Operator      // every operator built, closed if compilation fails
	prof  *Profile             // EXPLAIN ANALYZE: nil unless profiling
	node  *ProfileNode         // the relation being built
	task  Task                 // which partition of a fragment, and its input fragments
	work  map[int32]*workTable // working tables of the recursive unions being built (rel_recursive.go)
}

func (c *compiler) track(op exec.Operator) exec.Operator {
	c.built = append(c.built, op)
	return op
}

func (c *compiler) closeAll() {
	for _, op := range c.built {
		op.Close()
	}
}

func (c *compiler) funcName(anchor uint32) (string, error) {
	n, ok := c.funcs[anchor]
	if !ok {
		return "", errs.Errorf(errs.ErrInvalidArgument, "function anchor %d is not declared in the plan's extensions", anchor)
	}
	return n, nil
}

// rel builds one relation, applying its RelCommon.Emit (profiled when analyzing).
func (c *compiler) rel(r *substraitpb.Rel) (exec.Operator, error) {
	if r == nil || r.GetRelType() == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "missing relation")
	}
	end := c.beginNode(r)
	return end(c.rel1(r))
}

func (c *compiler) rel1(r *substraitpb.Rel) (exec.Operator, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	var op exec.Operator
	var common *substraitpb.RelCommon
	var err error
	switch rt := r.GetRelType().(type) {
	case *substraitpb.Rel_Read:
		common = rt.Read.GetCommon()
		op, err = c.readRel(rt.Read)
	case *substraitpb.Rel_Filter:
		common = rt.Filter.GetCommon()
		op, err = c.filterRel(rt.Filter)
	case *substraitpb.Rel_Project:
		// ProjectRel applies its emit itself (it only evaluates the selected outputs).
		return c.projectRel(rt.Project)
	case *substraitpb.Rel_Aggregate:
		common = rt.Aggregate.GetCommon()
		op, err = c.aggregateRel(rt.Aggregate)
	case *substraitpb.Rel_HashJoin:
		common = rt.HashJoin.GetCommon()
		op, err = c.hashJoinRel(rt.HashJoin)
	case *substraitpb.Rel_Join:
		common = rt.Join.GetCommon()
		op, err = c.joinRel(rt.Join)
	case *substraitpb.Rel_Sort:
		common = rt.Sort.GetCommon()
		op, err = c.sortRel(rt.Sort)
	case *substraitpb.Rel_Fetch:
		common = rt.Fetch.GetCommon()
		op, err = c.fetchRel(rt.Fetch)
	case *substraitpb.Rel_Set:
		common = rt.Set.GetCommon()
		op, err = c.setRel(rt.Set)
	case *substraitpb.Rel_Window:
		common = rt.Window.GetCommon()
		op, err = c.windowRel(rt.Window)
	case *substraitpb.Rel_Cross:
		common = rt.Cross.GetCommon()
		op, err = c.crossRel(rt.Cross)
	case *substraitpb.Rel_ExtensionLeaf: // RemoteSource (rel_exchange.go)
		common = rt.ExtensionLeaf.GetCommon()
		op, err = c.extensionLeafRel(rt.ExtensionLeaf)
	case *substraitpb.Rel_ExtensionMulti: // RecursiveUnion (rel_recursive.go)
		common = rt.ExtensionMulti.GetCommon()
		op, err = c.extensionMultiRel(rt.ExtensionMulti)
	case *substraitpb.Rel_ExtensionSingle: // ExchangeSink (rel_exchange.go)
		common = rt.ExtensionSingle.GetCommon()
		op, err = c.extensionSingleRel(rt.ExtensionSingle)
	default:
		return nil, errs.Errorf(errs.ErrNotSupported, "Substrait relation %s", relName(r))
	}
	if err != nil {
		return nil, err
	}
	return c.emit(op, common)
}

func relName(r *substraitpb.Rel) string {
	s := fmt.Sprintf("%T", r.GetRelType())
	return strings.TrimPrefix(s, "*substraitpb.Rel_")
}

// emit applies RelCommon.Emit's output mapping.
func (c *compiler) emit(op exec.Operator, common *substraitpb.RelCommon) (exec.Operator, error) {
	em := common.GetEmit()
	if em == nil {
		return op, nil
	}
	in := op.Schema()
	exprs := make([]exec.Expr, len(em.GetOutputMapping()))
	for i, m := range em.GetOutputMapping() {
		if m < 0 || int(m) >= in.NumFields() {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "emit maps field %d of a relation with %d fields", m, in.NumFields())
		}
		exprs[i] = exec.NewColumnRef(int(m), in.Field(int(m)).Type)
	}
	return c.project(op, exprs, nil)
}

func (c *compiler) project(in exec.Operator, exprs []exec.Expr, names []string) (exec.Operator, error) {
	p, err := exec.NewProject(c.env, in, exprs, names)
	if err != nil {
		return nil, err
	}
	return c.track(p), nil
}

// renamed gives its input's columns new names.
type renamed struct {
	exec.Operator
	schema *arrow.Schema
}

func rename(op exec.Operator, names []string) exec.Operator {
	in := op.Schema()
	fields := make([]arrow.Field, in.NumFields())
	for i := range fields {
		fields[i] = in.Field(i)
		fields[i].Name = names[i]
	}
	md := in.Metadata()
	return &renamed{Operator: op, schema: arrow.NewSchema(fields, &md)}
}

func (r *renamed) Schema() *arrow.Schema { return r.schema }

func (r *renamed) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := r.Operator.Next(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	return array.NewRecordBatch(r.schema, b.Columns(), b.NumRows()), nil
}

func (r *renamed) Stats() exec.OperatorStats {
	if s, ok := r.Operator.(exec.Stats); ok {
		return s.Stats()
	}
	return exec.OperatorStats{}
}
