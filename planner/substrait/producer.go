package substrait

import (
	"context"
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	ext "github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
)

// Produce serializes the plan rooted at n (output columns named names; nil: n's own names).
func Produce(n logical.Node, names []string) ([]byte, error) {
	return ProduceContext(context.Background(), n, names)
}

// ProduceContext is Produce stopping with ctx's error soon after ctx is done.
func ProduceContext(ctx context.Context, n logical.Node, names []string) ([]byte, error) {
	p, err := build(ctx, n, names)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return gproto.Marshal(p)
}

// Build converts the plan rooted at n into a substraitpb.Plan.
func Build(n logical.Node, names []string) (*pb.Plan, error) {
	return build(context.Background(), n, names)
}

func build(ctx context.Context, n logical.Node, names []string) (*pb.Plan, error) {
	pr := &producer{ctx: ctx, urns: map[string]uint32{}, funcs: map[string]uint32{}}
	rel, err := pr.rel(n)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: substrait producer: %v", errs.ErrInternal, err)
	}
	if names == nil {
		for _, f := range n.Schema() {
			names = append(names, f.Name)
		}
	}
	plan := &pb.Plan{
		Version:       &pb.Version{MinorNumber: 85, Producer: "tern"},
		ExtensionUrns: pr.urnList,
		Extensions:    pr.decls,
		Relations:     []*pb.PlanRel{{RelType: &pb.PlanRel_Root{Root: &pb.RelRoot{Input: rel, Names: names}}}},
	}
	return plan, nil
}

type producer struct {
	ctx     context.Context
	work    int // expressions produced, for the cancellation check
	urns    map[string]uint32
	urnList []*ext.SimpleExtensionURN
	funcs   map[string]uint32
	decls   []*ext.SimpleExtensionDeclaration
}
