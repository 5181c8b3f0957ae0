package logical

import "math"

// Cardinality estimates from table row counts (catalog snapshots) and simple selectivities:
// a filter conjunct keeps a fixed share of rows by its shape (equality with a constant 1/10,
// ranges 1/3, LIKE 1/4, ...); an equi-join keeps |L|*|R| / d where d, the distinct count of
// the join key, is taken as the row count of the smaller base table the two key columns come
// from (the key side of a key/foreign-key join); other join conditions keep 1/2.

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
		s *= conjunctSelectivity(c)
	}
	return s
}

func conjunctSelectivity(e Expr) float64 {
	c, ok := e.(*Call)
	if !ok {
		return 0.5
	}
	switch c.Fn {
	case "equal", "is_not_distinct_from":
		return 0.1
	case "not_equal", "is_distinct_from":
		return 0.9
	case "lt", "lte", "gt", "gte":
		return 0.33
	case "like", "ilike":
		return 0.25
	case "is_null":
		return 0.1
	case "is_not_null":
		return 0.9
	case "not":
		return 1 - conjunctSelectivity(c.Args[0])
	case "and":
		s := 1.0
		for _, a := range c.Args {
			s *= conjunctSelectivity(a)
		}
		return s
	case "or":
		s := 0.0
		for _, a := range c.Args {
			s += conjunctSelectivity(a)
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
	if !ok || call.Fn != "equal" || len(call.Args) != 2 {
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
	if d <= 0 {
		return 0.1
	}
	return 1 / d
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
