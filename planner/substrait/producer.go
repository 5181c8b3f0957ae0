package substrait

import (
	"context"
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	ext "github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/errs"
	gproto "google.golang.org/protobuf/proto"
)

// Produce serializes the logical plan rooted at n (output columns named names; nil: n's own
// names) as one fragment: lowered to a physical plan with the default (single-process)
// options. The planner's queries go through physical.Plan and Fragments themselves; this is
// for plans that are one fragment by construction (constant rows, per-file DML plans).
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

// Build converts the logical plan rooted at n into a substraitpb.Plan, as Produce.
func Build(n logical.Node, names []string) (*pb.Plan, error) {
	return build(context.Background(), n, names)
}

func build(ctx context.Context, n logical.Node, names []string) (*pb.Plan, error) {
	phys, _, err := physical.Plan(ctx, n, physical.Options{})
	if err != nil {
		return nil, err
	}
	if names == nil {
		for _, f := range n.Schema() {
			names = append(names, f.Name)
		}
	}
	return BuildPhysical(ctx, phys, names)
}

// ProducePhysical serializes one fragment, the physical plan rooted at n (a fragment's root:
// no Exchange inside, RemoteSource leaves and an ExchangeSink root where it is cut), as a
// complete Substrait plan whose root names the output columns names (nil: n's own names).
func ProducePhysical(ctx context.Context, n physical.Node, names []string) ([]byte, error) {
	p, err := BuildPhysical(ctx, n, names)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return gproto.Marshal(p)
}

// BuildPhysical is ProducePhysical without serializing.
func BuildPhysical(ctx context.Context, n physical.Node, names []string) (*pb.Plan, error) {
	pr := &producer{ctx: ctx, urns: map[string]uint32{}, funcs: map[string]uint32{}}
	rel, err := pr.rel(n)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: substrait producer: %w", errs.ErrInternal, err)
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
