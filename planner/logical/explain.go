package logical

import (
	"fmt"
	"strings"

	"github.com/tern-db/tern/connectors"
)

// Explain renders the plan as indented lines, one node per line, children indented by two
// spaces under their parent.
func Explain(n Node) []string {
	var out []string
	explain(n, 0, &out)
	return out
}

func explain(n Node, depth int, out *[]string) {
	*out = append(*out, strings.Repeat("  ", depth)+Describe(n))
	for _, c := range n.Children() {
		explain(c, depth+1, out)
	}
}

func exprList(es []Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

// Describe renders one node without its children.
func Describe(n Node) string {
	switch x := n.(type) {
	case *Scan:
		names := make([]string, len(x.Columns))
		for i, c := range x.Columns {
			names[i] = x.Source.Base[c].Name
		}
		kind, detail := "Scan", ""
		if e, ok := x.Source.Table.(connectors.Explainer); ok {
			kind, detail = e.Explain(x.Source.Splits)
		}
		s := fmt.Sprintf("%s %s", kind, x.Source.Name)
		if x.Qualifier != "" && x.Qualifier != x.Source.Name {
			s += " AS " + x.Qualifier
		}
		s += " columns=[" + strings.Join(names, ", ") + "]"
		if detail != "" {
			s += " " + detail
		}
		if len(x.Filters) > 0 {
			s += " filters=[" + exprList(x.Filters) + "]"
		}
		return s
	case *Values:
		return fmt.Sprintf("Values rows=%d columns=%d", len(x.Rows), len(x.Fields))
	case *Filter:
		return "Filter " + x.Cond.String()
	case *Project:
		parts := make([]string, len(x.Exprs))
		for i, e := range x.Exprs {
			parts[i] = e.String() + " AS " + x.Names[i]
		}
		return "Project " + strings.Join(parts, ", ")
	case *Join:
		s := x.Type.String() + " Join"
		if x.Cond != nil {
			s += " on " + x.Cond.String()
		} else if x.Type == JoinInner {
			s = "Cross Join"
		}
		return s
	case *Aggregate:
		aggs := make([]string, len(x.Aggs))
		for i, a := range x.Aggs {
			aggs[i] = a.String()
		}
		s := "Aggregate groups=[" + exprList(x.Groups) + "] aggs=[" + strings.Join(aggs, ", ") + "]"
		if len(x.GroupingSets) > 1 {
			sets := make([]string, len(x.GroupingSets))
			for i, gs := range x.GroupingSets {
				sets[i] = fmt.Sprint(gs)
			}
			s += " sets=[" + strings.Join(sets, " ") + "]"
		}
		return s
	case *SetOp:
		s := x.Op.String()
		if x.All {
			s += " All"
		}
		return s
	case *RecursiveUnion:
		s := fmt.Sprintf("RecursiveUnion #%d", x.ID)
		if x.All {
			s += " All"
		}
		return s
	case *WorkTableScan:
		return fmt.Sprintf("WorkTableScan #%d %s", x.ID, x.Qualifier)
	case *LateralJoin:
		s := "Lateral " + x.Type.String() + " Join"
		if x.Cond != nil {
			s += " on " + x.Cond.String()
		}
		return s
	case *ProjectSet:
		fs := make([]string, len(x.Calls))
		for i, f := range x.Calls {
			fs[i] = f.String()
		}
		s := "ProjectSet [" + strings.Join(fs, ", ") + "]"
		if x.Ordinality {
			s += " with ordinality"
		}
		return s
	case *Window:
		fs := make([]string, len(x.Funcs))
		for i, f := range x.Funcs {
			fs[i] = f.String()
		}
		s := "Window [" + strings.Join(fs, ", ") + "]"
		if len(x.Partition) > 0 {
			s += " partition=[" + exprList(x.Partition) + "]"
		}
		if len(x.Order) > 0 {
			s += " order=[" + sortKeys(x.Order) + "]"
		}
		return s
	case *Sort:
		return "Sort " + sortKeys(x.Keys)
	case *Limit:
		s := "Limit"
		if x.Offset != nil {
			s += " offset=" + x.Offset.String()
		}
		if x.Count != nil {
			s += " count=" + x.Count.String()
		}
		return s
	}
	return n.nodeKind()
}

func sortKeys(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		d := "ASC"
		if k.Desc {
			d = "DESC"
		}
		nl := "NULLS LAST"
		if k.NullsFirst {
			nl = "NULLS FIRST"
		}
		parts[i] = k.Expr.String() + " " + d + " " + nl
	}
	return strings.Join(parts, ", ")
}
