package remotesql

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/proto/errs"
)

// join.go: an inner equi-join of two foreign tables of one server, sent whole (the planner
// decides which, planner/bind_foreign_pushdown.go): SELECT l.a, r.b FROM A AS l JOIN B AS r
// ON l.x = r.y. The rows come back as the join's (left columns, then right).

// JoinTable is the handle of a pushed join.
type JoinTable struct {
	Left, Right         *Table
	LeftCols, RightCols []int    // the columns each side's scan read (indexes into its Src)
	Keys                [][2]int // equalities: left column, right column
	Out                 []catalog.Column
}

var (
	_ connectors.Table     = (*JoinTable)(nil)
	_ connectors.Explainer = (*JoinTable)(nil)
)

func (t *JoinTable) Schema() *arrow.Schema {
	fs := make([]arrow.Field, len(t.Out))
	for i, c := range t.Out {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

func (t *JoinTable) SupportsFilters(fs []connectors.Filter) []connectors.Support {
	return make([]connectors.Support, len(fs))
}

func qualified(d Dialect, src *Source) string {
	s := d.QuoteIdent(src.RemoteTable)
	if src.RemoteSchema != "" {
		s = d.QuoteIdent(src.RemoteSchema) + "." + s
	}
	return s
}

// SQL renders the join query.
func (t *JoinTable) SQL() string {
	d := t.Left.D
	l, r := d.QuoteIdent("l"), d.QuoteIdent("r")
	var sel []string
	for _, c := range t.LeftCols {
		col := t.Left.Src.Columns[c]
		sel = append(sel, d.Selected(l+"."+d.QuoteIdent(col.Name), col.Type))
	}
	for _, c := range t.RightCols {
		col := t.Right.Src.Columns[c]
		sel = append(sel, d.Selected(r+"."+d.QuoteIdent(col.Name), col.Type))
	}
	if len(sel) == 0 {
		sel = []string{"1"}
	}
	var on []string
	for _, k := range t.Keys {
		on = append(on, l+"."+d.QuoteIdent(t.Left.Src.Columns[k[0]].Name)+" = "+r+"."+d.QuoteIdent(t.Right.Src.Columns[k[1]].Name))
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + qualified(d, t.Left.Src) + " AS " + l +
		" JOIN " + qualified(d, t.Right.Src) + " AS " + r + " ON " + strings.Join(on, " AND ")
}

func (t *JoinTable) Splits(_ context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	if req.Projection != nil && len(req.Projection) != len(t.Out) {
		return nil, errs.Errorf(errs.ErrInternal, "a pushed join is read whole")
	}
	src := t.Left.Src
	b, err := json.Marshal(SplitData{Server: src.Server, Table: src.Table + " JOIN " + t.Right.Src.Table, Conn: src.Conn, SQL: t.SQL(), Columns: t.Out})
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "remote split: %v", err)
	}
	return []connectors.Split{{Connector: src.Connector, Data: b, Rows: -1}}, nil
}

func (t *JoinTable) Explain(splits []connectors.Split) (string, string) {
	_, detail := t.Left.Explain(splits)
	return "RemoteJoin", detail
}
