package planner

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/mysql"
	"github.com/tern-db/tern/connectors/postgres"
	"github.com/tern-db/tern/connectors/remotesql"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// bind_foreign_pushdown.go: whole aggregates sent to PostgreSQL and MySQL/MariaDB. After the
// optimizer, an Aggregate directly over a scan of such a foreign table (no filter between:
// Tern's filters stay above the scan, so an aggregate over a Filter is not pushed) whose
// groups are columns and whose aggregates are COUNT, SUM, MIN or MAX of columns (no DISTINCT,
// FILTER or grouping sets) becomes a scan of the remote aggregate query, whose rows are
// the aggregate's. What the source would answer differently is not pushed: text min/max
// (collations), text groups on MySQL (case-insensitive collations merge groups), sums of
// floats (order-dependent rounding).

// pushAggregates rewrites the aggregates of root that a source can compute.
func (b *binder) pushAggregates(root logical.Node) (logical.Node, error) {
	return logical.TransformUp(root, func(n logical.Node) (logical.Node, error) {
		a, ok := n.(*logical.Aggregate)
		if !ok || len(a.GroupingSets) > 1 {
			return n, nil
		}
		s, ok := a.Input.(*logical.Scan)
		if !ok || s.Source == nil || s.Source.Planned || len(s.Filters) > 0 {
			return n, nil
		}
		rt, ok := s.Source.Table.(*remotesql.Table)
		if !ok || (rt.Src.Connector != postgres.ConnectorName && rt.Src.Connector != mysql.ConnectorName) {
			return n, nil
		}
		my := rt.Src.Connector == mysql.ConnectorName
		baseCol := func(e logical.Expr) (int, bool) {
			c, ok := e.(*logical.Column)
			if !ok || c.Index < 0 || c.Index >= len(s.Columns) {
				return 0, false
			}
			col := s.Columns[c.Index]
			if rt.Src.Unreadable(rt.Src.Columns[col].Name) != "" {
				return 0, false
			}
			return col, true
		}
		at := &remotesql.AggTable{Base: rt}
		for _, g := range a.Groups {
			col, ok := baseCol(g)
			if !ok || (my && rt.Src.Columns[col].Type.Kind == catalog.TypeText) {
				return n, nil
			}
			at.Groups = append(at.Groups, col)
		}
		for _, ag := range a.Aggs {
			if ag.Distinct || ag.Filter != nil || len(ag.Extra) > 0 {
				return n, nil
			}
			if ag.Arg == nil {
				if ag.Fn != proto.AggCount {
					return n, nil
				}
				at.Aggs = append(at.Aggs, remotesql.AggSpec{Fn: "count", Col: -1})
				continue
			}
			col, ok := baseCol(ag.Arg)
			if !ok {
				return n, nil
			}
			k := rt.Src.Columns[col].Type.Kind
			numeric := k == catalog.TypeInt16 || k == catalog.TypeInt32 || k == catalog.TypeInt64 || k == catalog.TypeNumeric
			switch ag.Fn {
			case proto.AggCount:
			case proto.AggSum:
				if !numeric {
					return n, nil
				}
			case proto.AggMin, proto.AggMax:
				if !numeric && k != catalog.TypeDate && k != catalog.TypeTimestamp {
					return n, nil
				}
			default:
				return n, nil
			}
			at.Aggs = append(at.Aggs, remotesql.AggSpec{Fn: ag.Fn, Col: col})
		}
		out := a.Schema()
		base := make(logical.Schema, len(out))
		cols := make([]int, len(out))
		for i, f := range out {
			f.Qualifier = ""
			base[i] = f
			cols[i] = i
			at.Out = append(at.Out, catalog.Column{Name: f.Name, Type: f.Type, Nullable: f.Nullable})
		}
		src := &logical.Source{Connector: s.Source.Connector, Table: at, Name: s.Source.Name, Base: base, EstRows: -1}
		return &logical.Scan{Source: src, Columns: cols}, nil
	})
}

// orderedLimit is an ORDER BY ... LIMIT directly over a scan.
type orderedLimit struct {
	rows int64
	keys []connectors.OrderKey
}

// scanOrderedLimits finds LIMIT (through projections) over a Sort of plain columns directly
// over a scan without filters: a table that can order as Tern does (connectors.Orderer) is
// asked for only the first rows in that order. Tern still sorts and limits what comes back.
func scanOrderedLimits(root logical.Node) map[*logical.Scan]orderedLimit {
	out := map[*logical.Scan]orderedLimit{}
	var walk func(n logical.Node)
	walk = func(n logical.Node) {
		if l, ok := n.(*logical.Limit); ok {
			if rows, ok := limitRows(l); ok {
				in := l.Input
				for {
					p, ok := in.(*logical.Project)
					if !ok {
						break
					}
					in = p.Input
				}
				if srt, ok := in.(*logical.Sort); ok {
					if s, ok := srt.Input.(*logical.Scan); ok && len(s.Filters) == 0 {
						keys := make([]connectors.OrderKey, 0, len(srt.Keys))
						for _, k := range srt.Keys {
							c, ok := k.Expr.(*logical.Column)
							if !ok || c.Index < 0 || c.Index >= len(s.Columns) {
								keys = nil
								break
							}
							keys = append(keys, connectors.OrderKey{Col: s.Columns[c.Index], Desc: k.Desc, NullsFirst: k.NullsFirst})
						}
						if len(keys) > 0 {
							out[s] = orderedLimit{rows: rows, keys: keys}
						}
					}
				}
			}
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(root)
	return out
}

// pushJoins sends inner equi-joins of two postgres/mysql foreign tables of the same server
// (plain scans on both sides, conditions column = column of one type; no text keys on MySQL,
// whose collations equate what Tern does not) to that server as one query.
func (b *binder) pushJoins(root logical.Node) (logical.Node, error) {
	return logical.TransformUp(root, func(n logical.Node) (logical.Node, error) {
		j, ok := n.(*logical.Join)
		if !ok || j.Type != logical.JoinInner || j.Cond == nil {
			return n, nil
		}
		ls, lok := j.Left.(*logical.Scan)
		rs, rok := j.Right.(*logical.Scan)
		if !lok || !rok || ls.Source == nil || rs.Source == nil || ls.Source.Planned || rs.Source.Planned || len(ls.Filters) > 0 || len(rs.Filters) > 0 {
			return n, nil
		}
		lt, lok := ls.Source.Table.(*remotesql.Table)
		rt, rok := rs.Source.Table.(*remotesql.Table)
		if !lok || !rok || lt.Src.Connector != rt.Src.Connector || lt.Src.Server != rt.Src.Server ||
			(lt.Src.Connector != postgres.ConnectorName && lt.Src.Connector != mysql.ConnectorName) {
			return n, nil
		}
		my := lt.Src.Connector == mysql.ConnectorName
		for _, side := range []struct {
			t *remotesql.Table
			s *logical.Scan
		}{{lt, ls}, {rt, rs}} {
			for _, c := range side.s.Columns {
				if side.t.Src.Unreadable(side.t.Src.Columns[c].Name) != "" {
					return n, nil
				}
			}
		}
		var conds []logical.Expr
		if c, ok := j.Cond.(*logical.Call); ok && c.Fn == proto.FnAnd {
			conds = c.Args
		} else {
			conds = []logical.Expr{j.Cond}
		}
		nl := len(ls.Columns)
		jt := &remotesql.JoinTable{Left: lt, Right: rt, LeftCols: ls.Columns, RightCols: rs.Columns}
		for _, e := range conds {
			c, ok := e.(*logical.Call)
			if !ok || c.Fn != proto.FnEqual || len(c.Args) != 2 {
				return n, nil
			}
			a, aok := c.Args[0].(*logical.Column)
			bb, bok := c.Args[1].(*logical.Column)
			if !aok || !bok {
				return n, nil
			}
			if a.Index >= nl {
				a, bb = bb, a
			}
			if a.Index < 0 || a.Index >= nl || bb.Index < nl || bb.Index-nl >= len(rs.Columns) {
				return n, nil
			}
			lc, rc := lt.Src.Columns[ls.Columns[a.Index]], rt.Src.Columns[rs.Columns[bb.Index-nl]]
			if lc.Type != rc.Type || lc.Type.Kind == catalog.TypeFloat32 || lc.Type.Kind == catalog.TypeFloat64 ||
				(my && lc.Type.Kind == catalog.TypeText) {
				return n, nil
			}
			jt.Keys = append(jt.Keys, [2]int{ls.Columns[a.Index], rs.Columns[bb.Index-nl]})
		}
		out := j.Schema()
		base := make(logical.Schema, len(out))
		cols := make([]int, len(out))
		for i, f := range out {
			f.Qualifier = ""
			base[i] = f
			cols[i] = i
			jt.Out = append(jt.Out, catalog.Column{Name: f.Name, Type: f.Type, Nullable: f.Nullable})
		}
		src := &logical.Source{Connector: lt.Src.Connector, Table: jt, Name: ls.Source.Name + " JOIN " + rs.Source.Name, Base: base, EstRows: -1}
		return &logical.Scan{Source: src, Columns: cols}, nil
	})
}
