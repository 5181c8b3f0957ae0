package substrait

import (
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
	"google.golang.org/protobuf/types/known/anypb"
)

// read.go: a scan is a ReadRel whose extension_table carries a planpb.ConnectorScan (the
// connector's name and the planned splits, opaque bytes only that connector reads). The
// ReadRel keeps Substrait's own fields for the rest: base_schema (the table's columns as the
// plan was bound), the projection mask, and the pushed filters as a hint (a FilterRel above
// still applies them). A ReadRel rather than an ExtensionLeafRel so that any Substrait
// reader sees a read of a known schema, and the node's projection code is shared.

func (p *producer) scan(x *logical.Scan) (*pb.Rel, error) {
	base, err := namedStruct(x.Source.Base)
	if err != nil {
		return nil, err
	}
	rr := &pb.ReadRel{BaseSchema: base}
	mask := &pb.Expression_MaskExpression{Select: &pb.Expression_MaskExpression_StructSelect{}, MaintainSingularStruct: true}
	for _, c := range x.Columns {
		mask.Select.StructItems = append(mask.Select.StructItems, &pb.Expression_MaskExpression_StructItem{Field: int32(c)})
	}
	rr.Projection = mask
	if len(x.Filters) > 0 {
		f, err := p.expr(logical.And(x.Filters...))
		if err != nil {
			return nil, err
		}
		rr.Filter = f
	}
	cs := &planpb.ConnectorScan{Connector: x.Source.Connector, Table: x.Source.Name}
	for _, sp := range x.Source.Splits {
		if sp.Connector != "" && sp.Connector != x.Source.Connector {
			return nil, errs.Errorf(errs.ErrInternal, "scan of %s: split of connector %q", x.Source.Name, sp.Connector)
		}
		cs.Splits = append(cs.Splits, &planpb.ScanSplit{Data: sp.Data, Rows: sp.Rows, Bytes: sp.Bytes})
	}
	detail, err := anypb.New(cs)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding scan of %s: %v", x.Source.Name, err)
	}
	rr.ReadType = &pb.ReadRel_ExtensionTable_{ExtensionTable: &pb.ReadRel_ExtensionTable{Detail: detail}}
	return &pb.Rel{RelType: &pb.Rel_Read{Read: rr}}, nil
}

// describeConnectorScan is the physical plan's line for a connector scan.
func describeConnectorScan(rr *pb.ReadRel) string {
	var cs planpb.ConnectorScan
	if err := rr.GetExtensionTable().GetDetail().UnmarshalTo(&cs); err != nil {
		return "Read (undecodable connector scan)"
	}
	s := fmt.Sprintf("ConnectorScan %s splits=%d columns=%d", cs.Connector, len(cs.Splits), len(rr.GetProjection().GetSelect().GetStructItems()))
	if rr.Filter != nil {
		s += " pruning=yes"
	}
	return s
}
