package substrait

import (
	"context"
	"strings"
	"testing"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/physical"
	"github.com/tern-db/tern/proto/planpb"
	gproto "google.golang.org/protobuf/proto"
)

// Every fragment of a plan cut at exchanges is a complete Substrait plan: the producer end
// of an exchange is an ExtensionSingleRel, the consumer end an ExtensionLeafRel, both with
// Tern's detail messages.
func TestExchangeRelations(t *testing.T) {
	src := &logical.Source{Name: "t", Connector: "files", Planned: true,
		Splits: []connectors.Split{{Connector: "files", Data: []byte("/d/t.parquet"), Rows: 3}},
		Base:   logical.Schema{{Name: "k", Type: catalog.Int64}, {Name: "v", Type: catalog.Text, Nullable: true}}}
	scan := &logical.Scan{Source: src, Columns: []int{0, 1}}
	agg := &logical.Aggregate{Input: scan, Groups: []logical.Expr{&logical.Column{Index: 0, Typ: catalog.Int64}},
		Aggs: []*logical.AggCall{{Fn: "count", Typ: catalog.Int64}}, Names: []string{"k", "n"}}
	phys, _, err := physical.Plan(context.Background(), agg, physical.Options{Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	frags, err := physical.Fragments(phys)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) != 2 {
		t.Fatalf("%d fragments", len(frags))
	}
	var lines []string
	for _, f := range frags {
		b, err := ProducePhysical(context.Background(), f.Root, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Describe(b)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, d...)
		var p pb.Plan
		if err := gproto.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		rel := p.Relations[0].GetRoot().GetInput()
		switch f.ID {
		case 0:
			var sink planpb.ExchangeSink
			if err := rel.GetExtensionSingle().GetDetail().UnmarshalTo(&sink); err != nil {
				t.Fatal(err)
			}
			if sink.Kind != planpb.ExchangeKind_EXCHANGE_KIND_HASH || sink.Partitions != 4 || len(sink.HashKeys) != 1 || sink.HashKeys[0] != 0 {
				t.Errorf("sink %v", &sink)
			}
		case 1:
			var rs planpb.RemoteSource
			if err := rel.GetAggregate().GetInput().GetExtensionLeaf().GetDetail().UnmarshalTo(&rs); err != nil {
				t.Fatal(err)
			}
			var st pb.NamedStruct
			if err := gproto.Unmarshal(rs.Schema, &st); err != nil {
				t.Fatal(err)
			}
			if rs.Fragment != 0 || rs.SourcePartitions != 1 || len(st.Names) != 2 || st.Names[1] != "v" {
				t.Errorf("remote source %v, schema %v", &rs, &st)
			}
		}
	}
	want := `ExchangeSink hash keys=[0] partitions=4
  ConnectorScan files splits=1 columns=2
HashAggregate groups=1 measures=1
  RemoteSource fragment=0 hash source_partitions=1`
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// an exchange the fragmenter did not cut is refused
	if _, err := ProducePhysical(context.Background(), phys, nil); err == nil {
		t.Error("produced an uncut exchange")
	}
}
