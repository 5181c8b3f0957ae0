package remotesql

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/prune"
)

// golden.go: the scans every dialect's golden file renders (connectors/postgres and
// connectors/mysql testdata/pushdown.golden), hostile names and values included, so that a
// change in quoting or pushdown shows as a diff in review.

// GoldenSource is a table whose names try to break out of their quotes.
func GoldenSource() *Source {
	return &Source{Server: "s", Table: "t", RemoteSchema: `sch"; DROP SCHEMA x; --`, RemoteTable: "we`ird\"'tbl",
		Columns: []catalog.Column{
			{Name: "id", Type: catalog.Int64},
			{Name: `na"me'`, Type: catalog.Text},
			{Name: "price", Type: catalog.Numeric(12, 2)},
			{Name: "ok", Type: catalog.Bool},
			{Name: "d", Type: catalog.Date},
			{Name: "ts", Type: catalog.Timestamp},
			{Name: "tz", Type: catalog.TimestampTZ},
			{Name: "f", Type: catalog.Float64},
			{Name: "blob", Type: catalog.Text},
		}, Unsupported: map[string]string{"blob": "bytea"}}
}

// GoldenCase is one request of the golden file.
type GoldenCase struct {
	Name string
	Req  connectors.ScanRequest
}

func f(preds ...prune.Pred) connectors.Filter { return connectors.Filter{Preds: preds} }

// GoldenCases are the requests.
func GoldenCases() []GoldenCase {
	hostile := `x'); DROP TABLE t; -- \' \\ "` + "`"
	return []GoldenCase{
		{"all columns", connectors.ScanRequest{Projection: []int{0, 1, 2}, Limit: -1}},
		{"no columns (count(*))", connectors.ScanRequest{Projection: []int{}, Limit: -1}},
		{"limit", connectors.ScanRequest{Projection: []int{1}, Limit: 10}},
		{"int and text equality", connectors.ScanRequest{Projection: []int{0}, Limit: -1,
			Filters: []connectors.Filter{f(prune.Pred{Col: 0, Op: prune.Eq, Vals: []prune.Value{prune.Int(7)}}), f(prune.Pred{Col: 1, Op: prune.Eq, Vals: []prune.Value{prune.String(hostile)}})}}},
		{"ranges", connectors.ScanRequest{Projection: []int{0}, Limit: -1,
			Filters: []connectors.Filter{f(prune.Pred{Col: 2, Op: prune.Ge, Vals: []prune.Value{prune.Decimal(decimal128.FromI64(-1250))}}),
				f(prune.Pred{Col: 4, Op: prune.Between, Vals: []prune.Value{prune.Int(0), prune.Int(19000)}}),
				f(prune.Pred{Col: 5, Op: prune.Lt, Vals: []prune.Value{prune.Int(1704164645123456)}}),
				f(prune.Pred{Col: 6, Op: prune.Gt, Vals: []prune.Value{prune.Int(0)}}),
				f(prune.Pred{Col: 7, Op: prune.Le, Vals: []prune.Value{prune.Float(1.5e300)}})}}},
		{"in, null tests, bool", connectors.ScanRequest{Projection: []int{0}, Limit: -1,
			Filters: []connectors.Filter{f(prune.Pred{Col: 1, Op: prune.In, Vals: []prune.Value{prune.String("a"), prune.String("")}}),
				f(prune.Pred{Col: 3, Op: prune.Eq, Vals: []prune.Value{prune.Bool(true)}}),
				f(prune.Pred{Col: 2, Op: prune.IsNull}, prune.Pred{Col: 0, Op: prune.IsNotNull})}}},
		{"not pushed: a column Tern cannot read, NaN", connectors.ScanRequest{Projection: []int{0}, Limit: -1,
			Filters: []connectors.Filter{f(prune.Pred{Col: 8, Op: prune.Eq, Vals: []prune.Value{prune.String("x")}}),
				f(prune.Pred{Col: 7, Op: prune.Eq, Vals: []prune.Value{prune.Float(nanValue())}})}}},
	}
}

// RenderGolden renders every case with d.
func RenderGolden(d Dialect) string {
	var sb strings.Builder
	src := GoldenSource()
	for _, c := range GoldenCases() {
		q := Render(d, src, c.Req, "")
		fmt.Fprintf(&sb, "-- %s (pushed %d of %d filters)\n%s\n\n", c.Name, q.Pushed, len(c.Req.Filters), q.SQL)
	}
	at := &AggTable{Base: &Table{Src: src, D: d}, Groups: []int{1, 4},
		Aggs: []AggSpec{{Fn: "count", Col: -1}, {Fn: "sum", Col: 2}, {Fn: "max", Col: 5}, {Fn: "count", Col: 0}}}
	fmt.Fprintf(&sb, "-- aggregate pushed whole\n%s\n", at.SQL())
	other := GoldenSource()
	other.RemoteTable = "o'ther"
	jt := &JoinTable{Left: &Table{Src: src, D: d}, Right: &Table{Src: other, D: d}, LeftCols: []int{0, 1}, RightCols: []int{2},
		Keys: [][2]int{{0, 0}, {4, 4}}}
	fmt.Fprintf(&sb, "\n-- join pushed whole\n%s\n", jt.SQL())
	return sb.String()
}

// OrderGolden renders ORDER BY ... LIMIT requests (text, numeric, date keys both ways).
func OrderGolden(d Dialect) string {
	src := GoldenSource()
	req := connectors.ScanRequest{Projection: []int{0, 1}, Limit: 5, Order: []connectors.OrderKey{{Col: 1}, {Col: 2, Desc: true, NullsFirst: true}, {Col: 4, Desc: true}}}
	return "-- order by + limit\n" + Render(d, src, req, "").SQL + "\n"
}
