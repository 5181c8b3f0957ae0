package planner

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// stubTable answers SupportsFilters with answer and records the request it was planned with.
type stubTable struct {
	answer connectors.Support
	got    connectors.ScanRequest
}

func (s *stubTable) Schema() *arrow.Schema { return arrow.NewSchema(nil, nil) }
func (s *stubTable) SupportsFilters(fs []connectors.Filter) []connectors.Support {
	out := make([]connectors.Support, len(fs))
	for i := range out {
		out[i] = s.answer
	}
	return out
}
func (s *stubTable) Splits(_ context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	s.got = req
	return []connectors.Split{{Connector: "stub", Data: []byte("x"), Files: 1}}, nil
}

func TestScanRequestPushesConvertibleFilters(t *testing.T) {
	base := logical.Schema{{Name: "a", Type: catalog.Int64, Nullable: true}, {Name: "b", Type: catalog.Text, Nullable: true}}
	a := &logical.Column{Index: 0, Name: "a", Typ: catalog.Int64, Null: true}
	five := &logical.Literal{Typ: catalog.Int64, Value: int64(5)}
	convertible := &logical.Call{Fn: proto.FnLt, Args: []logical.Expr{five, a}, Typ: catalog.Bool, Null: true} // 5 < a
	sum := &logical.Call{Fn: proto.FnAdd, Args: []logical.Expr{a, five}, Typ: catalog.Int64, Null: true}
	opaque := &logical.Call{Fn: proto.FnEqual, Args: []logical.Expr{sum, five}, Typ: catalog.Bool, Null: true} // a + 5 = 5
	for _, answer := range []connectors.Support{connectors.Inexact, connectors.Unsupported} {
		tb := &stubTable{answer: answer}
		scan := &logical.Scan{Source: &logical.Source{Connector: "stub", Table: tb, Base: base, Snapshot: 7},
			Columns: []int{1}, Filters: []logical.Expr{convertible, opaque}}
		b := &binder{ctx: context.Background()}
		out, err := b.planSplits(scan)
		if err != nil {
			t.Fatal(err)
		}
		planned := out.(*logical.Scan)
		if !planned.Source.Planned || len(planned.Source.Splits) != 1 || scan.Source.Planned {
			t.Fatalf("planned %+v (original %+v)", planned.Source, scan.Source)
		}
		if tb.got.Snapshot != 7 || !reflect.DeepEqual(tb.got.Projection, []int{1}) || tb.got.Limit != -1 {
			t.Fatalf("request %+v", tb.got)
		}
		want := []connectors.Filter{{Preds: []prune.Pred{{Col: 0, Op: prune.Gt, Vals: []prune.Value{prune.Int(5)}}}}}
		if answer == connectors.Unsupported {
			want = nil
		}
		if !reflect.DeepEqual(tb.got.Filters, want) {
			t.Fatalf("%v: pushed %v, want %v", answer, tb.got.Filters, want)
		}
		// Planned scans are left alone.
		again, _ := b.planSplits(planned)
		if again != planned {
			t.Fatal("planned twice")
		}
	}
}

func TestScanLimitReachesTheTable(t *testing.T) {
	base := logical.Schema{{Name: "a", Type: catalog.Int64, Nullable: true}}
	lit := func(v int64) logical.Expr { return &logical.Literal{Typ: catalog.Int64, Value: v} }
	a := &logical.Column{Index: 0, Name: "a", Typ: catalog.Int64, Null: true}
	for _, c := range []struct {
		name string
		plan func(s *logical.Scan) logical.Node
		want int64
	}{
		{"limit-offset", func(s *logical.Scan) logical.Node {
			return &logical.Limit{Input: &logical.Project{Input: s, Exprs: []logical.Expr{a}, Names: []string{"a"}}, Offset: lit(3), Count: lit(10)}
		}, 13},
		{"limit", func(s *logical.Scan) logical.Node { return &logical.Limit{Input: s, Count: lit(4)} }, 4},
		{"no-count", func(s *logical.Scan) logical.Node { return &logical.Limit{Input: s, Offset: lit(4)} }, -1},
		{"filter-between", func(s *logical.Scan) logical.Node {
			return &logical.Limit{Input: &logical.Filter{Input: s, Cond: &logical.Literal{Typ: catalog.Bool, Value: true}}, Count: lit(4)}
		}, -1},
		{"sort-between", func(s *logical.Scan) logical.Node {
			return &logical.Limit{Input: &logical.Sort{Input: s, Keys: []logical.SortKey{{Expr: a}}}, Count: lit(4)}
		}, -1},
	} {
		tb := &stubTable{}
		s := &logical.Scan{Source: &logical.Source{Connector: "stub", Table: tb, Base: base}, Columns: []int{0}}
		b := &binder{ctx: context.Background()}
		if _, err := b.planSplits(c.plan(s)); err != nil {
			t.Fatal(err)
		}
		if tb.got.Limit != c.want {
			t.Errorf("%s: limit %d, want %d", c.name, tb.got.Limit, c.want)
		}
	}
}
