package substrait

import (
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// recursiveUnion writes WITH RECURSIVE's fixpoint as an ExtensionMultiRel over (anchor,
// recursive term) with a planpb.RecursiveUnion detail (proto/planpb/recursive.proto).
func (p *producer) recursiveUnion(x *physical.RecursiveUnion) (*pb.Rel, error) {
	a, err := p.rel(x.Anchor)
	if err != nil {
		return nil, err
	}
	r, err := p.rel(x.Recursive)
	if err != nil {
		return nil, err
	}
	detail, err := anypb.New(&planpb.RecursiveUnion{WorkTable: int32(x.ID), Distinct: !x.All})
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding recursive union: %v", err)
	}
	return &pb.Rel{RelType: &pb.Rel_ExtensionMulti{ExtensionMulti: &pb.ExtensionMultiRel{Inputs: []*pb.Rel{a, r}, Detail: detail}}}, nil
}

// workTableScan writes a read of a working table as an ExtensionLeafRel with a
// planpb.WorkTableScan detail carrying its columns.
func (p *producer) workTableScan(x *physical.WorkTableScan) (*pb.Rel, error) {
	st, err := namedStruct(x.Schema())
	if err != nil {
		return nil, err
	}
	schema, err := gproto.Marshal(st)
	if err != nil {
		return nil, err
	}
	detail, err := anypb.New(&planpb.WorkTableScan{WorkTable: int32(x.Logical.ID), Schema: schema})
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding work table scan: %v", err)
	}
	return &pb.Rel{RelType: &pb.Rel_ExtensionLeaf{ExtensionLeaf: &pb.ExtensionLeafRel{Detail: detail}}}, nil
}
