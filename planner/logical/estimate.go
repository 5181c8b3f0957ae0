package logical

import (
	"math"
	"strconv"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto"
)

// Cardinality estimates from table row counts (catalog snapshots), ANALYZE statistics when a
// scanned native table has them (Source.Stats), and simple selectivities otherwise.
//
// With statistics: an equality between a column and a constant keeps 1/d of the rows (d the
// column's distinct count), a range against a numeric constant the share of [min, max] it
// covers, IS NULL the null fraction; an equi-join keeps |L|*|R| / max(d_l, d_r).
//
// Without: a filter conjunct keeps a fixed share of rows by its shape (equality with a
// constant 1/10, ranges 1/3, LIKE 1/4, ...); an equi-join keeps |L|*|R| / d where d, the
// distinct count of the join key, is taken as the row count of the smaller base table the two
// key columns come from (the key side of a key/foreign-key join); other join conditions keep
// 1/2.

// estimate returns the estimated rows of n, or -1 when unknown.
func estimate(n Node) float64 {
	switch x := n.(type) {
	case *Scan:
		if x.Source.EstRows < 0 {
			return -1
		}
		return float64(x.Source.EstRows)
	case *Values:
		return float64(len(x.Rows))
	case *Filter:
		r := estimate(x.Input)
		if r < 0 {
			return r
		}
		return math.Max(1, r*Selectivity(x.Input, x.Cond))
	case *Join:
		l, r := estimate(x.Left), estimate(x.Right)
		if l < 0 || r < 0 {
			return -1
		}
		switch x.Type {
		case JoinSemi, JoinAnti, JoinMark, JoinSingle:
			if x.Type == JoinSemi {
				return math.Max(1, l*0.5)
			}
			return l
		}
		out := l * r
		for _, c := range Conjuncts(x.Cond) {
			out *= JoinSelectivity(x, c)
		}
		switch x.Type {
		case JoinLeft:
			out = math.Max(out, l)
		case JoinRight:
			out = math.Max(out, r)
		case JoinFull:
			out = math.Max(out, l+r)
		}
		return math.Max(1, out)
	case *Aggregate:
		if len(x.Groups) == 0 {
			return 1
		}
		r := estimate(x.Input)
		if r < 0 {
			return r
		}
		return math.Max(1, r/10)
	case *Limit:
		r := estimate(x.Input)
		if l, ok := x.Count.(*Literal); ok && l.Value != nil {
			n, ok := l.Value.(int64)
			if !ok {
				return r
			}
			c := float64(n)
			if r < 0 || c < r {
				return c
			}
		}
		return r
	case *SetOp:
		l, r := estimate(x.Left), estimate(x.Right)
		if l < 0 || r < 0 {
			return -1
		}
		if x.Op == SetUnion {
			return l + r
		}
		return l
	}
	if k := n.Children(); len(k) == 1 {
		return estimate(k[0])
	}
	return -1
}

// Selectivity estimates the share of in's rows a condition keeps.
func Selectivity(in Node, cond Expr) float64 {
	s := 1.0
	for _, c := range Conjuncts(cond) {
		s *= conjunctSelectivity(in, c)
	}
	return s
}

func conjunctSelectivity(in Node, e Expr) float64 {
	c, ok := e.(*Call)
	if !ok {
		return 0.5
	}
	if s, ok := statsSelectivity(in, c); ok {
		return s
	}
	switch c.Fn {
	case proto.FnEqual, proto.FnNotDistinct:
		return 0.1
	case proto.FnNotEqual, proto.FnIsDistinct:
		return 0.9
	case proto.FnLt, proto.FnLte, proto.FnGt, proto.FnGte:
		return 0.33
	case proto.FnLike, proto.FnILike:
		return 0.25
	case proto.FnIsNull:
		return 0.1
	case proto.FnIsNotNull:
		return 0.9
	case proto.FnNot:
		return 1 - conjunctSelectivity(in, c.Args[0])
	case proto.FnAnd:
		s := 1.0
		for _, a := range c.Args {
			s *= conjunctSelectivity(in, a)
		}
		return s
	case proto.FnOr:
		s := 0.0
		for _, a := range c.Args {
			s += conjunctSelectivity(in, a)
		}
		return math.Min(1, s)
	}
	return 0.5
}

// JoinSelectivity estimates the share of the cross product of j's inputs a conjunct of its
// condition keeps.
func JoinSelectivity(j *Join, c Expr) float64 {
	nl := len(j.Left.Schema())
	call, ok := c.(*Call)
	if !ok || call.Fn != proto.FnEqual || len(call.Args) != 2 {
		return 0.5
	}
	a, b := baseColumn(call.Args[0]), baseColumn(call.Args[1])
	if a == nil || b == nil {
		return 0.1
	}
	var da, db float64 = -1, -1
	if a.Index < nl {
		da = distinctOf(j.Left, a.Index)
	}
	if b.Index >= nl {
		db = distinctOf(j.Right, b.Index-nl)
	}
	if b.Index < nl {
		db = distinctOf(j.Left, b.Index)
	}
	if a.Index >= nl {
		da = distinctOf(j.Right, a.Index-nl)
	}
	d := math.Min(da, db)
	if da < 0 {
		d = db
	}
	if db < 0 {
		d = da
	}
	// ANALYZE distinct counts: |L|*|R| / max(d_l, d_r); with one side's only, never below it
	sa, sb := statsDistinctOf(j, a.Index), statsDistinctOf(j, b.Index)
	switch {
	case sa > 0 && sb > 0:
		d = math.Max(sa, sb)
	case sa > 0:
		d = math.Max(d, sa)
	case sb > 0:
		d = math.Max(d, sb)
	}
	if d <= 0 {
		return 0.1
	}
	return 1 / d
}

// statsDistinctOf is the ANALYZE distinct count of column i of n's output, or -1.
func statsDistinctOf(n Node, i int) float64 {
	cs, rows := columnStats(n, i)
	if cs == nil || cs.Distinct <= 0 {
		return -1
	}
	d := float64(cs.Distinct)
	if rows > 0 && d > rows { // statistics of an older snapshot
		d = rows
	}
	return d
}

// columnStats finds the ANALYZE statistics of column i of n's output when it is a column of
// a scanned native table that has them, with that table's estimated rows.
func columnStats(n Node, i int) (*catalog.ColumnSummary, float64) {
	switch x := n.(type) {
	case *Scan:
		st := x.Source.Stats
		if st == nil || i < 0 || i >= len(x.Columns) {
			return nil, 0
		}
		c := x.Columns[i]
		name := x.Source.Base[c].Name
		rows := float64(x.Source.EstRows)
		if c < len(st.Columns) && st.Columns[c].Name == name {
			return &st.Columns[c], rows
		}
		for k := range st.Columns { // columns added or dropped since ANALYZE
			if st.Columns[k].Name == name {
				return &st.Columns[k], rows
			}
		}
	case *Filter, *Sort, *Limit:
		return columnStats(n.Children()[0], i)
	case *Project:
		if i < len(x.Exprs) {
			if c := baseColumn(x.Exprs[i]); c != nil {
				return columnStats(x.Input, c.Index)
			}
		}
	case *Join:
		nl := len(x.Left.Schema())
		if i < nl {
			return columnStats(x.Left, i)
		}
		if x.Type != JoinSemi && x.Type != JoinAnti && x.Type != JoinMark {
			return columnStats(x.Right, i-nl)
		}
	}
	return nil, 0
}

// statsSelectivity estimates a comparison of a column of in with a constant from ANALYZE
// statistics; false when there are none or the shape is not one it knows.
func statsSelectivity(in Node, c *Call) (float64, bool) {
	switch c.Fn {
	case proto.FnIsNull, proto.FnIsNotNull:
		if len(c.Args) != 1 {
			return 0, false
		}
		col := baseColumn(c.Args[0])
		if col == nil {
			return 0, false
		}
		cs, rows := columnStats(in, col.Index)
		if cs == nil || rows <= 0 {
			return 0, false
		}
		f := math.Min(1, float64(cs.Nulls)/rows)
		if c.Fn == proto.FnIsNotNull {
			f = 1 - f
		}
		return f, true
	case proto.FnEqual, proto.FnNotDistinct, proto.FnNotEqual, proto.FnIsDistinct, proto.FnLt, proto.FnLte, proto.FnGt, proto.FnGte:
	default:
		return 0, false
	}
	if len(c.Args) != 2 {
		return 0, false
	}
	fn := c.Fn
	col, lit := baseColumn(c.Args[0]), constant(c.Args[1])
	if col == nil || lit == nil {
		col, lit = baseColumn(c.Args[1]), constant(c.Args[0])
		fn = map[string]string{proto.FnLt: proto.FnGt, proto.FnLte: proto.FnGte, proto.FnGt: proto.FnLt, proto.FnGte: proto.FnLte}[fn]
		if fn == "" {
			fn = c.Fn
		}
	}
	if col == nil || lit == nil || lit.Value == nil {
		return 0, false
	}
	d := statsDistinctOf(in, col.Index)
	if d <= 0 {
		return 0, false
	}
	switch fn {
	case proto.FnEqual, proto.FnNotDistinct:
		return 1 / d, true
	case proto.FnNotEqual, proto.FnIsDistinct:
		return 1 - 1/d, true
	}
	// ranges: the share of [min, max] below or above the constant (numeric columns)
	cs, _ := columnStats(in, col.Index)
	lo, ok1 := decodeNumber(cs.Min)
	hi, ok2 := decodeNumber(cs.Max)
	v, ok3 := literalNumber(lit)
	if !ok1 || !ok2 || !ok3 || hi <= lo || !numericType(col.Typ) {
		return 0, false
	}
	f := (v - lo) / (hi - lo) // share below v
	if fn == proto.FnGt || fn == proto.FnGte {
		f = 1 - f
	}
	return math.Max(1/d, math.Min(1, f)), true
}

func constant(e Expr) *Literal {
	switch x := e.(type) {
	case *Literal:
		return x
	case *Cast:
		return constant(x.Input)
	}
	return nil
}

func numericType(t catalog.Type) bool {
	switch t.Kind {
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64, catalog.TypeFloat32, catalog.TypeFloat64:
		return true
	}
	return false
}

// decodeNumber parses an integer or float bound as ANALYZE encodes it (prune.Value.Encode).
func decodeNumber(s string) (float64, bool) {
	if len(s) < 3 || s[1] != ':' {
		return 0, false
	}
	switch s[0] {
	case 'i':
		n, err := strconv.ParseInt(s[2:], 10, 64)
		return float64(n), err == nil
	case 'f':
		f, err := strconv.ParseFloat(s[2:], 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func literalNumber(l *Literal) (float64, bool) {
	switch v := l.Value.(type) {
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	return 0, false
}

func baseColumn(e Expr) *Column {
	switch x := e.(type) {
	case *Column:
		return x
	case *Cast:
		return baseColumn(x.Input)
	}
	return nil
}

// distinctOf estimates the distinct values of column i of n: the row count of the base table
// the column comes from, or n's own row estimate.
func distinctOf(n Node, i int) float64 {
	switch x := n.(type) {
	case *Scan:
		if x.Source.EstRows > 0 {
			return float64(x.Source.EstRows)
		}
	case *Filter, *Sort, *Limit:
		return distinctOf(n.Children()[0], i)
	case *Project:
		if c := baseColumn(x.Exprs[i]); c != nil {
			return distinctOf(x.Input, c.Index)
		}
	case *Join:
		nl := len(x.Left.Schema())
		if i < nl {
			return distinctOf(x.Left, i)
		}
		if x.Type != JoinSemi && x.Type != JoinAnti && x.Type != JoinMark {
			return distinctOf(x.Right, i-nl)
		}
	case *Aggregate:
		if i < len(x.Groups) {
			return estimate(x)
		}
	}
	return estimate(n)
}
