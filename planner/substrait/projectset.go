package substrait

import (
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// projectSet writes a ProjectSet as an ExtensionSingleRel with a planpb.ProjectSet detail
// (proto/planpb/projectset.proto). The binder gives every call plain input columns as
// arguments.
func (p *producer) projectSet(x *physical.ProjectSet) (*pb.Rel, error) {
	in, err := p.rel(x.Input)
	if err != nil {
		return nil, err
	}
	d := &planpb.ProjectSet{Ordinality: x.Ordinality}
	for _, c := range x.Calls {
		sc := &planpb.SetFunctionCall{Function: c.Fn}
		for _, a := range c.Args {
			col, ok := a.(*logical.Column)
			if !ok {
				return nil, errs.Errorf(errs.ErrInternal, "set-returning function %s with a computed argument %s", c.Fn, a)
			}
			sc.Args = append(sc.Args, int32(col.Index))
		}
		d.Calls = append(d.Calls, sc)
	}
	detail, err := anypb.New(d)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding project set: %v", err)
	}
	return &pb.Rel{RelType: &pb.Rel_ExtensionSingle{ExtensionSingle: &pb.ExtensionSingleRel{Input: in, Detail: detail}}}, nil
}
