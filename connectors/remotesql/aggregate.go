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

// aggregate.go: an aggregate pushed whole to the source (the planner decides which,
// planner/bind_foreign_pushdown.go): SELECT groups, aggregates FROM t GROUP BY groups. Its
// result columns are the aggregate's, in Tern's types, which the connectors decode as they
// decode any declared column.

// AggSpec is one aggregate: Fn is count, sum, min or max; Col indexes the table's columns
// (-1: COUNT(*)).
type AggSpec struct {
	Fn  string
	Col int
}

// AggTable is the handle of a pushed aggregate over Base's table.
type AggTable struct {
	Base   *Table
	Groups []int // the table's columns grouped by
	Aggs   []AggSpec
	Out    []catalog.Column // groups then aggregates, in Tern's result types
}

var (
	_ connectors.Table     = (*AggTable)(nil)
	_ connectors.Explainer = (*AggTable)(nil)
)

func (t *AggTable) Schema() *arrow.Schema {
	fs := make([]arrow.Field, len(t.Out))
	for i, c := range t.Out {
		fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fs, nil)
}

// SupportsFilters: filters above a pushed aggregate stay in Tern.
func (t *AggTable) SupportsFilters(fs []connectors.Filter) []connectors.Support {
	return make([]connectors.Support, len(fs))
}

// SQL renders the aggregate query.
func (t *AggTable) SQL() string {
	d, src := t.Base.D, t.Base.Src
	var sel, groups []string
	for _, g := range t.Groups {
		c := src.Columns[g]
		q := d.QuoteIdent(c.Name)
		sel = append(sel, d.Selected(q, c.Type))
		groups = append(groups, q)
	}
	for _, a := range t.Aggs {
		if a.Col < 0 {
			sel = append(sel, "COUNT(*)")
			continue
		}
		sel = append(sel, strings.ToUpper(a.Fn)+"("+d.QuoteIdent(src.Columns[a.Col].Name)+")")
	}
	var sb strings.Builder
	sb.WriteString("SELECT " + strings.Join(sel, ", ") + " FROM ")
	if src.RemoteSchema != "" {
		sb.WriteString(d.QuoteIdent(src.RemoteSchema) + ".")
	}
	sb.WriteString(d.QuoteIdent(src.RemoteTable))
	if len(groups) > 0 {
		sb.WriteString(" GROUP BY " + strings.Join(groups, ", "))
	}
	return sb.String()
}

func (t *AggTable) Splits(_ context.Context, req connectors.ScanRequest) ([]connectors.Split, error) {
	if req.Projection != nil && len(req.Projection) != len(t.Out) {
		return nil, errs.Errorf(errs.ErrInternal, "a pushed aggregate is read whole")
	}
	src := t.Base.Src
	b, err := json.Marshal(SplitData{Server: src.Server, Table: src.Table, Conn: src.Conn, SQL: t.SQL(), Columns: t.Out})
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "remote split: %v", err)
	}
	return []connectors.Split{{Connector: src.Connector, Data: b, Rows: -1}}, nil
}

func (t *AggTable) Explain(splits []connectors.Split) (string, string) {
	_, detail := t.Base.Explain(splits)
	return "RemoteAggregate", detail
}
