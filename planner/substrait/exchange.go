package substrait

import (
	"fmt"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/planpb"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// The two ends of an exchange are Substrait extension relations whose detail messages are
// defined in proto/planpb/exchange.proto: an ExtensionSingleRel (ExchangeSink) ends the
// producer fragment, an ExtensionLeafRel (RemoteSource) starts the consumer fragment.

var exchangeKinds = map[physical.ExchangeKind]planpb.ExchangeKind{
	physical.Gather:         planpb.ExchangeKind_EXCHANGE_KIND_GATHER,
	physical.BroadcastRows:  planpb.ExchangeKind_EXCHANGE_KIND_BROADCAST,
	physical.HashRows:       planpb.ExchangeKind_EXCHANGE_KIND_HASH,
	physical.RoundRobinRows: planpb.ExchangeKind_EXCHANGE_KIND_ROUND_ROBIN,
	physical.Merge:          planpb.ExchangeKind_EXCHANGE_KIND_MERGE,
}

func sortKeysPB(keys []logical.SortKey) ([]*planpb.SortKey, error) {
	out := make([]*planpb.SortKey, len(keys))
	for i, k := range keys {
		c, ok := k.Expr.(*logical.Column)
		if !ok {
			return nil, fmt.Errorf("merge exchange key %s is not a column", k.Expr)
		}
		out[i] = &planpb.SortKey{Field: int32(c.Index), Descending: k.Desc, NullsFirst: k.NullsFirst}
	}
	return out, nil
}

func (p *producer) exchangeSink(x *physical.ExchangeSink) (*pb.Rel, error) {
	in, err := p.rel(x.Input)
	if err != nil {
		return nil, err
	}
	e := x.Exchange
	d := &planpb.ExchangeSink{Kind: exchangeKinds[e.Kind], Partitions: int32(max(e.Partitions, 1))}
	for _, k := range e.Keys {
		d.HashKeys = append(d.HashKeys, int32(k))
	}
	if d.SortKeys, err = sortKeysPB(e.SortKeys); err != nil {
		return nil, err
	}
	detail, err := anypb.New(d)
	if err != nil {
		return nil, err
	}
	return &pb.Rel{RelType: &pb.Rel_ExtensionSingle{ExtensionSingle: &pb.ExtensionSingleRel{Input: in, Detail: detail}}}, nil
}

func (p *producer) remoteSource(x *physical.RemoteSource) (*pb.Rel, error) {
	st, err := namedStruct(x.Fields)
	if err != nil {
		return nil, err
	}
	schema, err := gproto.Marshal(st)
	if err != nil {
		return nil, err
	}
	d := &planpb.RemoteSource{Fragment: int32(x.Fragment), Kind: exchangeKinds[x.Exchange.Kind],
		SourcePartitions: int32(max(x.SourcePartitions, 1)), Schema: schema}
	if d.SortKeys, err = sortKeysPB(x.Exchange.SortKeys); err != nil {
		return nil, err
	}
	detail, err := anypb.New(d)
	if err != nil {
		return nil, err
	}
	return &pb.Rel{RelType: &pb.Rel_ExtensionLeaf{ExtensionLeaf: &pb.ExtensionLeafRel{Detail: detail}}}, nil
}
