package substrait

import (
	"fmt"
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/proto/planpb"
	gproto "google.golang.org/protobuf/proto"
)

// Describe renders the physical plan (the Substrait relations the executor runs) as
// indented lines, one operator per line: the operator the node compiles to (hash join and
// its build side, nested loop join, top-N for a sort under a limit, ...).
func Describe(plan []byte) ([]string, error) {
	var p pb.Plan
	if err := gproto.Unmarshal(plan, &p); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range p.Relations {
		if root := r.GetRoot(); root != nil {
			describeRel(root.Input, 0, &out)
		}
	}
	return out, nil
}

func describeRel(r *pb.Rel, depth int, out *[]string) {
	line := func(s string, kids ...*pb.Rel) {
		*out = append(*out, strings.Repeat("  ", depth)+s)
		for _, k := range kids {
			describeRel(k, depth+1, out)
		}
	}
	switch x := r.RelType.(type) {
	case *pb.Rel_Read:
		switch {
		case x.Read.GetVirtualTable() != nil:
			line(fmt.Sprintf("Values rows=%d", len(x.Read.GetVirtualTable().Expressions)))
		case x.Read.GetExtensionTable() != nil:
			line(describeConnectorScan(x.Read)) // read.go
		default:
			line("Read")
		}
	case *pb.Rel_Filter:
		line("Filter", x.Filter.Input)
	case *pb.Rel_Project:
		line(fmt.Sprintf("Project exprs=%d", len(x.Project.Expressions)), x.Project.Input)
	case *pb.Rel_HashJoin:
		line(fmt.Sprintf("HashJoin %s keys=%d build=right", joinName(x.HashJoin.Type.String()), len(x.HashJoin.Keys)), x.HashJoin.Left, x.HashJoin.Right)
	case *pb.Rel_Join:
		line("NestedLoopJoin "+joinName(x.Join.Type.String()), x.Join.Left, x.Join.Right)
	case *pb.Rel_Aggregate:
		s := fmt.Sprintf("HashAggregate groups=%d measures=%d", len(x.Aggregate.GroupingExpressions), len(x.Aggregate.Measures))
		if len(x.Aggregate.Groupings) > 1 {
			s += fmt.Sprintf(" sets=%d", len(x.Aggregate.Groupings))
		}
		line(s, x.Aggregate.Input)
	case *pb.Rel_Fetch:
		if s := x.Fetch.Input.GetSort(); s != nil {
			line(fmt.Sprintf("TopN keys=%d count=%d offset=%d", len(s.Sorts), x.Fetch.GetCount(), x.Fetch.GetOffset()), s.Input)
			return
		}
		line(fmt.Sprintf("Limit count=%d offset=%d", x.Fetch.GetCount(), x.Fetch.GetOffset()), x.Fetch.Input)
	case *pb.Rel_Sort:
		line(fmt.Sprintf("Sort keys=%d", len(x.Sort.Sorts)), x.Sort.Input)
	case *pb.Rel_Set:
		line("SetOp "+strings.TrimPrefix(x.Set.Op.String(), "SET_OP_"), x.Set.Inputs...)
	case *pb.Rel_Window:
		line(fmt.Sprintf("Window functions=%d partitions=%d sorts=%d", len(x.Window.WindowFunctions), len(x.Window.PartitionExpressions), len(x.Window.Sorts)), x.Window.Input)
	case *pb.Rel_ExtensionSingle:
		var d planpb.ExchangeSink
		if err := x.ExtensionSingle.GetDetail().UnmarshalTo(&d); err != nil {
			line("ExtensionSingle "+x.ExtensionSingle.GetDetail().GetTypeUrl(), x.ExtensionSingle.Input)
			return
		}
		s := "ExchangeSink " + kindName(d.Kind)
		if len(d.HashKeys) > 0 {
			s += fmt.Sprintf(" keys=%v", d.HashKeys)
		}
		line(s+fmt.Sprintf(" partitions=%d", d.Partitions), x.ExtensionSingle.Input)
	case *pb.Rel_ExtensionMulti:
		var d planpb.RecursiveUnion
		if err := x.ExtensionMulti.GetDetail().UnmarshalTo(&d); err != nil {
			line("ExtensionMulti "+x.ExtensionMulti.GetDetail().GetTypeUrl(), x.ExtensionMulti.Inputs...)
			return
		}
		line(fmt.Sprintf("RecursiveUnion work_table=%d distinct=%v", d.WorkTable, d.Distinct), x.ExtensionMulti.Inputs...)
	case *pb.Rel_ExtensionLeaf:
		var wt planpb.WorkTableScan
		if x.ExtensionLeaf.GetDetail().MessageIs(&wt) && x.ExtensionLeaf.GetDetail().UnmarshalTo(&wt) == nil {
			line(fmt.Sprintf("WorkTableScan work_table=%d", wt.WorkTable))
			return
		}
		var d planpb.RemoteSource
		if err := x.ExtensionLeaf.GetDetail().UnmarshalTo(&d); err != nil {
			line("ExtensionLeaf " + x.ExtensionLeaf.GetDetail().GetTypeUrl())
			return
		}
		line(fmt.Sprintf("RemoteSource fragment=%d %s source_partitions=%d", d.Fragment, kindName(d.Kind), d.SourcePartitions))
	default:
		line(fmt.Sprintf("%T", r.RelType))
	}
}

func kindName(k planpb.ExchangeKind) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k.String(), "EXCHANGE_KIND_")), "_", "-")
}

func joinName(t string) string {
	t = strings.TrimPrefix(t, "JOIN_TYPE_")
	return strings.ToLower(t)
}
