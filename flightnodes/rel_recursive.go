package flightnodes

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	gproto "google.golang.org/protobuf/proto"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// workTable is the working table of a recursive union being compiled: its columns and, while
// an iteration's term is compiled, the rows of the previous iteration.
type workTable struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

// recursiveUnionRel compiles an ExtensionMultiRel with a planpb.RecursiveUnion detail
// (proto/planpb/recursive.proto): inputs (anchor, recursive term). Operators run once, so
// the recursive term is compiled again for every iteration, its WorkTableScans reading that
// iteration's working table; it is compiled once here too, over an empty table, so that a
// malformed term fails the compile rather than the first iteration.
func (c *compiler) recursiveUnionRel(r *substraitpb.ExtensionMultiRel) (exec.Operator, error) {
	var d planpb.RecursiveUnion
	if err := r.GetDetail().UnmarshalTo(&d); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "recursive union detail: %v", err)
	}
	if len(r.GetInputs()) != 2 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "recursive union with %d inputs (want 2)", len(r.GetInputs()))
	}
	if _, dup := c.work[d.WorkTable]; dup {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "recursive union %d inside itself", d.WorkTable)
	}
	anchor, err := c.rel(r.GetInputs()[0])
	if err != nil {
		return nil, err
	}
	fields := append([]arrow.Field(nil), anchor.Schema().Fields()...)
	for i := range fields {
		fields[i].Nullable = true
	}
	schema := arrow.NewSchema(fields, nil)
	termRel := r.GetInputs()[1]
	outer := c.work
	base := *c
	term := func(ctx context.Context, work []arrow.RecordBatch) (exec.Operator, error) {
		sub := &compiler{ctx: ctx, env: base.env, funcs: base.funcs, urns: base.urns, task: base.task, work: map[int32]*workTable{}}
		for k, v := range outer {
			sub.work[k] = v
		}
		sub.work[d.WorkTable] = &workTable{schema: schema, batches: work}
		op, err := sub.rel(termRel)
		if err != nil {
			sub.closeAll()
			return nil, err
		}
		if !sameTypes(op.Schema(), schema) {
			op.Close()
			return nil, errs.Errorf(errs.ErrInvalidArgument, "recursive term delivers %s, the anchor %s", op.Schema(), schema)
		}
		return op, nil
	}
	check, err := term(c.ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("recursive term: %w", err)
	}
	if err := check.Close(); err != nil {
		return nil, err
	}
	op, err := exec.NewRecursiveUnion(c.env, anchor, term, d.Distinct)
	if err != nil {
		return nil, err
	}
	c.track(op)
	return op, nil
}

// workTableRel compiles an ExtensionLeafRel with a planpb.WorkTableScan detail: the rows of
// the enclosing recursive union's working table.
func (c *compiler) workTableRel(r *substraitpb.ExtensionLeafRel) (exec.Operator, error) {
	var d planpb.WorkTableScan
	if err := r.GetDetail().UnmarshalTo(&d); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "work table scan detail: %v", err)
	}
	wt, ok := c.work[d.WorkTable]
	if !ok {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "work table %d read outside its recursive union", d.WorkTable)
	}
	var ns substraitpb.NamedStruct
	if err := gproto.Unmarshal(d.Schema, &ns); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "work table schema: %v", err)
	}
	schema, err := schemaOf(&ns)
	if err != nil {
		return nil, fmt.Errorf("work table schema: %w", err)
	}
	if !sameTypes(schema, wt.schema) {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "work table scan declares %s, the working table holds %s", schema, wt.schema)
	}
	return c.track(exec.NewSource(wt.schema, wt.batches...)), nil
}

func (c *compiler) extensionMultiRel(r *substraitpb.ExtensionMultiRel) (exec.Operator, error) {
	if r.GetDetail().MessageIs(&planpb.RecursiveUnion{}) {
		return c.recursiveUnionRel(r)
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "Substrait relation ExtensionMulti with detail %q", r.GetDetail().GetTypeUrl())
}
