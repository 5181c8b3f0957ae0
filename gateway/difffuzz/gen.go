package difffuzz

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// typ is a generated expression's type class.
type typ int

const (
	tInt typ = iota
	tDec
	tText
	tDate
	tBool
)

type column struct {
	name string
	t    typ
}

type table struct {
	name string
	cols []column
	key  string // restricts big tables to a small key range in a derived table
	max  int    // the key's range to pick a bound from (0: small table, no restriction)
}

var tables = map[string]*table{
	"region":   {name: "region", cols: cols("r_regionkey I", "r_name T", "r_comment T")},
	"nation":   {name: "nation", cols: cols("n_nationkey I", "n_name T", "n_regionkey I", "n_comment T")},
	"supplier": {name: "supplier", key: "s_suppkey", max: 200, cols: cols("s_suppkey I", "s_name T", "s_address T", "s_nationkey I", "s_phone T", "s_acctbal N")},
	"customer": {name: "customer", key: "c_custkey", max: 300, cols: cols("c_custkey I", "c_name T", "c_nationkey I", "c_phone T", "c_acctbal N", "c_mktsegment T")},
	"part":     {name: "part", key: "p_partkey", max: 300, cols: cols("p_partkey I", "p_name T", "p_mfgr T", "p_brand T", "p_type T", "p_size I", "p_container T", "p_retailprice N")},
	"partsupp": {name: "partsupp", key: "ps_partkey", max: 200, cols: cols("ps_partkey I", "ps_suppkey I", "ps_availqty I", "ps_supplycost N")},
	"orders":   {name: "orders", key: "o_orderkey", max: 1500, cols: cols("o_orderkey I", "o_custkey I", "o_orderstatus T", "o_totalprice N", "o_orderdate D", "o_orderpriority T", "o_clerk T", "o_shippriority I")},
	"lineitem": {name: "lineitem", key: "l_orderkey", max: 600, cols: cols("l_orderkey I", "l_partkey I", "l_suppkey I", "l_linenumber I", "l_quantity N", "l_extendedprice N", "l_discount N", "l_tax N", "l_returnflag T", "l_linestatus T", "l_shipdate D", "l_commitdate D", "l_receiptdate D", "l_shipinstruct T", "l_shipmode T")},
}

func cols(specs ...string) []column {
	var out []column
	for _, s := range specs {
		name, t, _ := strings.Cut(s, " ")
		out = append(out, column{name: name, t: map[string]typ{"I": tInt, "N": tDec, "T": tText, "D": tDate}[t]})
	}
	return out
}

// edges are the key joins: a.col = b.col.
var edges = [][4]string{
	{"region", "r_regionkey", "nation", "n_regionkey"},
	{"nation", "n_nationkey", "supplier", "s_nationkey"},
	{"nation", "n_nationkey", "customer", "c_nationkey"},
	{"customer", "c_custkey", "orders", "o_custkey"},
	{"orders", "o_orderkey", "lineitem", "l_orderkey"},
	{"part", "p_partkey", "partsupp", "ps_partkey"},
	{"part", "p_partkey", "lineitem", "l_partkey"},
	{"supplier", "s_suppkey", "partsupp", "ps_suppkey"},
	{"supplier", "s_suppkey", "lineitem", "l_suppkey"},
}

// Query is a generated query in parts, so the minimizer can drop some.
type Query struct {
	With     string // WITH clause text, or ""
	Distinct bool
	Select   []string
	From     string
	Where    []string // ANDed
	GroupBy  string
	Having   []string
	OrderBy  bool // ORDER BY every output column (1..n): the order is then determined
	// Sets marks grouping sets: PostgreSQL 15 drops an ORDER BY on a constant grouping
	// expression although grouping sets null it in some rows (its planner treats the sort key
	// as constant), so such results are compared as multisets and never limited.
	Sets  bool
	Limit int // with OrderBy only
	SetOp string
	Right *Query // the other side of SetOp
}

// SQL renders the query.
func (q *Query) SQL() string {
	var b strings.Builder
	if q.With != "" {
		b.WriteString(q.With + " ")
	}
	b.WriteString(q.core())
	if q.SetOp != "" && q.Right != nil {
		b.WriteString(" " + q.SetOp + " " + q.Right.core())
	}
	if q.OrderBy {
		b.WriteString(" ORDER BY ")
		for i := range q.Select {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d", i+1)
		}
		if q.Limit > 0 {
			fmt.Fprintf(&b, " LIMIT %d", q.Limit)
		}
	}
	return b.String()
}

func (q *Query) core() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.Distinct {
		b.WriteString("DISTINCT ")
	}
	for i, s := range q.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s AS c%d", s, i+1)
	}
	b.WriteString(" FROM " + q.From)
	if len(q.Where) > 0 {
		b.WriteString(" WHERE " + strings.Join(q.Where, " AND "))
	}
	if q.GroupBy != "" {
		b.WriteString(" GROUP BY " + q.GroupBy)
	}
	if len(q.Having) > 0 {
		b.WriteString(" HAVING " + strings.Join(q.Having, " AND "))
	}
	return b.String()
}

// Ordered reports whether the query's ORDER BY determines the order of its rows.
func (q *Query) Ordered() bool { return q.OrderBy && !q.Sets }

// Gen generates queries deterministically from a seed.
type Gen struct {
	r     *rand.Rand
	alias int
}

// NewGen returns a generator for seed.
func NewGen(seed uint64) *Gen { return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *Gen) n(k int) int         { return g.r.IntN(k) }
func (g *Gen) p(pct int) bool      { return g.r.IntN(100) < pct }
func pick[T any](g *Gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// scope is the columns visible to expressions: alias.column with its type.
type scope struct {
	cols []column // qualified names
	keys []string // qualified key columns usable for grouping
}

func (s *scope) of(t typ) []column {
	var out []column
	for _, c := range s.cols {
		if c.t == t {
			out = append(out, c)
		}
	}
	return out
}

// source renders a table as a FROM item, big tables restricted to a small key range.
func (g *Gen) source(t *table) (string, string) {
	g.alias++
	a := fmt.Sprintf("t%d", g.alias)
	if t.max == 0 {
		return t.name + " AS " + a, a
	}
	lo := g.n(t.max)
	return fmt.Sprintf("(SELECT * FROM %s WHERE %s BETWEEN %d AND %d) AS %s", t.name, t.key, lo, lo+5+g.n(t.max/4), a), a
}

// from builds a join of 1..4 tables along key edges.
func (g *Gen) from(sc *scope, maxTables int) string {
	names := []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}
	start := tables[pick(g, names)]
	item, a := g.source(start)
	in := map[string]string{start.name: a}
	add := func(t *table, a string) {
		for _, c := range t.cols {
			sc.cols = append(sc.cols, column{name: a + "." + c.name, t: c.t})
			if c.t == tInt || c.t == tText && (strings.HasSuffix(c.name, "name") || strings.HasSuffix(c.name, "flag") || strings.HasSuffix(c.name, "status") || strings.HasSuffix(c.name, "segment") || strings.HasSuffix(c.name, "mode") || strings.HasSuffix(c.name, "priority")) {
				sc.keys = append(sc.keys, a+"."+c.name)
			}
		}
	}
	add(start, a)
	joined := 1 + g.n(maxTables)
	for len(in) < joined {
		var cands [][4]string
		for _, e := range edges {
			_, l := in[e[0]]
			_, r := in[e[2]]
			if l != r {
				cands = append(cands, e)
			}
		}
		if len(cands) == 0 {
			break
		}
		e := pick(g, cands)
		oldT, oldC, newT, newC := e[0], e[1], e[2], e[3]
		if _, ok := in[oldT]; !ok {
			oldT, oldC, newT, newC = e[2], e[3], e[0], e[1]
		}
		t := tables[newT]
		src, na := g.source(t)
		in[newT] = na
		kind := pick(g, []string{"JOIN", "JOIN", "LEFT JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"})
		cond := fmt.Sprintf("%s.%s = %s.%s", in[oldT], oldC, na, newC)
		if g.p(20) {
			cond += " AND " + g.pred(&scope{cols: append(append([]column{}, sc.cols...), qualify(t, na)...)}, 1)
		}
		item += fmt.Sprintf(" %s %s ON %s", kind, src, cond)
		add(t, na)
	}
	return item
}

func qualify(t *table, a string) []column {
	var out []column
	for _, c := range t.cols {
		out = append(out, column{name: a + "." + c.name, t: c.t})
	}
	return out
}

// expr generates an expression of type t over sc.
func (g *Gen) expr(sc *scope, t typ, depth int) string {
	cs := sc.of(t)
	if depth <= 0 || g.p(35) {
		if len(cs) > 0 && g.p(80) {
			return pick(g, cs).name
		}
		return g.lit(t)
	}
	d := depth - 1
	switch t {
	case tInt:
		switch g.n(11) {
		case 0:
			return fmt.Sprintf("(%s + %s)", g.expr(sc, tInt, d), g.expr(sc, tInt, d))
		case 1:
			return fmt.Sprintf("(%s - %s)", g.expr(sc, tInt, d), g.expr(sc, tInt, d))
		case 2:
			return fmt.Sprintf("(%s * %d)", g.expr(sc, tInt, d), g.n(7)-3)
		case 3:
			return fmt.Sprintf("(%s %% %d)", g.expr(sc, tInt, d), g.n(9)+1)
		case 4:
			return fmt.Sprintf("abs(%s)", g.expr(sc, tInt, d))
		case 5:
			return fmt.Sprintf("length(%s)", g.expr(sc, tText, d))
		case 6:
			return fmt.Sprintf("CAST(EXTRACT(%s FROM %s) AS integer)", pick(g, []string{"YEAR", "MONTH", "DAY", "DOW", "DOY", "QUARTER"}), g.expr(sc, tDate, d))
		case 7:
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.pred(sc, d), g.expr(sc, tInt, d), g.expr(sc, tInt, d))
		case 8:
			return fmt.Sprintf("coalesce(%s, %s)", g.expr(sc, tInt, d), g.lit(tInt))
		case 9:
			return fmt.Sprintf("CAST(%s AS integer)", g.expr(sc, tDec, d))
		default:
			return fmt.Sprintf("(%s / %d)", g.expr(sc, tInt, d), g.n(5)+1)
		}
	case tDec:
		switch g.n(7) {
		case 0:
			return fmt.Sprintf("(%s + %s)", g.expr(sc, tDec, d), g.expr(sc, tDec, d))
		case 1:
			return fmt.Sprintf("(%s * %s)", g.expr(sc, tDec, d), pick(g, []string{"2", "0.5", "1.25", "-1"}))
		case 2:
			return fmt.Sprintf("round(%s, %d)", g.expr(sc, tDec, d), g.n(3))
		case 3:
			return fmt.Sprintf("CAST(%s AS numeric(12,2))", g.expr(sc, tInt, d))
		case 4:
			return fmt.Sprintf("abs(%s)", g.expr(sc, tDec, d))
		case 5:
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.pred(sc, d), g.expr(sc, tDec, d), g.expr(sc, tDec, d))
		default:
			return fmt.Sprintf("coalesce(%s, 0.00)", g.expr(sc, tDec, d))
		}
	case tText:
		switch g.n(9) {
		case 0:
			return fmt.Sprintf("upper(%s)", g.expr(sc, tText, d))
		case 1:
			return fmt.Sprintf("lower(%s)", g.expr(sc, tText, d))
		case 2:
			return fmt.Sprintf("substr(%s, %d, %d)", g.expr(sc, tText, d), g.n(4)+1, g.n(6)+1)
		case 3:
			return fmt.Sprintf("(%s || '-' || %s)", g.expr(sc, tText, d), g.expr(sc, tText, d))
		case 4:
			return fmt.Sprintf("CAST(%s AS text)", g.expr(sc, tInt, d))
		case 5:
			return fmt.Sprintf("trim(%s)", g.expr(sc, tText, d))
		case 6:
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.pred(sc, d), g.expr(sc, tText, d), g.lit(tText))
		case 7:
			return fmt.Sprintf("replace(%s, '%s', '*')", g.expr(sc, tText, d), pick(g, []string{"A", "e", "#", "1"}))
		default:
			return fmt.Sprintf("coalesce(%s, 'none')", g.expr(sc, tText, d))
		}
	case tDate:
		switch g.n(4) {
		case 0:
			return fmt.Sprintf("(%s + %d)", g.expr(sc, tDate, d), g.n(400)-200)
		case 1:
			return fmt.Sprintf("CAST(date_trunc('%s', %s) AS date)", pick(g, []string{"month", "year", "quarter", "week"}), g.expr(sc, tDate, d))
		case 2:
			return fmt.Sprintf("CASE WHEN %s THEN %s ELSE %s END", g.pred(sc, d), g.expr(sc, tDate, d), g.lit(tDate))
		default:
			return fmt.Sprintf("CAST(%s + interval '%d month' AS date)", g.expr(sc, tDate, d), g.n(25)-12)
		}
	}
	return g.pred(sc, depth)
}

func (g *Gen) lit(t typ) string {
	switch t {
	case tInt:
		if g.p(5) {
			return "CAST(NULL AS integer)"
		}
		return fmt.Sprint(g.n(60) - 10)
	case tDec:
		if g.p(5) {
			return "CAST(NULL AS numeric(15,2))"
		}
		return fmt.Sprintf("%d.%02d", g.n(5000), g.n(100))
	case tText:
		if g.p(5) {
			return "CAST(NULL AS text)"
		}
		return "'" + pick(g, []string{"ALGERIA", "a", "BUILDING", "R", "N", "MAIL", "1-URGENT", "Supplier#000000001", "", "GERMANY", "brass"}) + "'"
	case tDate:
		if g.p(5) {
			return "CAST(NULL AS date)"
		}
		return fmt.Sprintf("DATE '%d-%02d-%02d'", 1992+g.n(7), 1+g.n(12), 1+g.n(28))
	}
	return pick(g, []string{"true", "false", "CAST(NULL AS boolean)"})
}

// pred generates a boolean expression.
func (g *Gen) pred(sc *scope, depth int) string {
	d := depth - 1
	if depth <= 0 {
		t := pick(g, []typ{tInt, tInt, tDec, tText, tDate})
		return fmt.Sprintf("%s %s %s", g.expr(sc, t, 0), pick(g, []string{"=", "<>", "<", "<=", ">", ">="}), g.expr(sc, t, 0))
	}
	switch g.n(12) {
	case 0:
		return fmt.Sprintf("(%s AND %s)", g.pred(sc, d), g.pred(sc, d))
	case 1:
		return fmt.Sprintf("(%s OR %s)", g.pred(sc, d), g.pred(sc, d))
	case 2:
		return fmt.Sprintf("NOT (%s)", g.pred(sc, d))
	case 3:
		t := pick(g, []typ{tInt, tText, tDate})
		var items []string
		for range 1 + g.n(4) {
			items = append(items, g.lit(t))
		}
		not := ""
		if g.p(30) {
			not = "NOT "
		}
		return fmt.Sprintf("%s %sIN (%s)", g.expr(sc, t, d), not, strings.Join(items, ", "))
	case 4:
		t := pick(g, []typ{tInt, tDec, tDate})
		return fmt.Sprintf("%s BETWEEN %s AND %s", g.expr(sc, t, d), g.lit(t), g.lit(t))
	case 5:
		return fmt.Sprintf("%s %sLIKE '%s'", g.expr(sc, tText, d), pick(g, []string{"", "NOT "}), pick(g, []string{"%A%", "B%", "%s", "_E%", "%#0000001%", "%"}))
	case 6:
		return fmt.Sprintf("%s IS %sNULL", g.expr(sc, pick(g, []typ{tInt, tText, tDec, tDate}), d), pick(g, []string{"", "NOT "}))
	case 7:
		return g.subqueryPred(sc)
	case 8:
		return fmt.Sprintf("(%s) IS %s", g.pred(sc, d), pick(g, []string{"TRUE", "NOT TRUE", "FALSE", "UNKNOWN", "NOT FALSE"}))
	}
	t := pick(g, []typ{tInt, tInt, tDec, tText, tDate})
	return fmt.Sprintf("%s %s %s", g.expr(sc, t, d), pick(g, []string{"=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM"}), g.expr(sc, t, d))
}

// subqueryPred is EXISTS / IN / a scalar comparison over a small table, correlated half the
// time on a column of the same type.
func (g *Gen) subqueryPred(sc *scope) string {
	t := tables[pick(g, []string{"nation", "region", "supplier", "part", "customer"})]
	src, a := g.source(t)
	inner := &scope{cols: qualify(t, a)}
	var where []string
	if g.p(50) && len(sc.of(tInt)) > 0 {
		ic := inner.of(tInt)
		where = append(where, fmt.Sprintf("%s = %s", pick(g, ic).name, pick(g, sc.of(tInt)).name))
	}
	if g.p(50) {
		where = append(where, g.pred(inner, 1))
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	switch g.n(3) {
	case 0:
		return fmt.Sprintf("%sEXISTS (SELECT 1 FROM %s%s)", pick(g, []string{"", "NOT "}), src, w)
	case 1:
		c := pick(g, inner.of(tInt))
		return fmt.Sprintf("%s %sIN (SELECT %s FROM %s%s)", g.expr(sc, tInt, 1), pick(g, []string{"", "NOT "}), c.name, src, w)
	}
	c := pick(g, inner.of(tInt))
	return fmt.Sprintf("%s %s (SELECT %s(%s) FROM %s%s)", g.expr(sc, tInt, 1), pick(g, []string{"=", "<", ">="}), pick(g, []string{"max", "min", "count"}), c.name, src, w)
}

// agg generates an aggregate call.
func (g *Gen) agg(sc *scope) string {
	switch g.n(8) {
	case 0:
		return "count(*)"
	case 1:
		return fmt.Sprintf("count(%s)", g.expr(sc, pick(g, []typ{tInt, tText, tDate}), 1))
	case 2:
		return fmt.Sprintf("count(DISTINCT %s)", g.expr(sc, pick(g, []typ{tInt, tText}), 1))
	case 3:
		return fmt.Sprintf("sum(%s)", g.expr(sc, pick(g, []typ{tInt, tDec}), 1))
	case 4:
		return fmt.Sprintf("%s(%s)", pick(g, []string{"min", "max"}), g.expr(sc, pick(g, []typ{tInt, tDec, tText, tDate}), 1))
	case 5:
		return fmt.Sprintf("avg(%s)", g.expr(sc, tInt, 1))
	case 6:
		return fmt.Sprintf("sum(CASE WHEN %s THEN 1 ELSE 0 END)", g.pred(sc, 1))
	}
	return fmt.Sprintf("%s(%s)", pick(g, []string{"bool_and", "bool_or"}), g.pred(sc, 1))
}

// Next generates the next query.
func (g *Gen) Next() *Query {
	g.alias = 0
	switch g.n(10) {
	case 0, 1, 2:
		return g.grouped()
	case 3, 4:
		return g.windowed()
	case 5:
		return g.setOp()
	case 6:
		return g.withCTE()
	}
	return g.plain()
}

func (g *Gen) where(sc *scope, q *Query) {
	for range g.n(3) {
		q.Where = append(q.Where, g.pred(sc, 2))
	}
}

func (g *Gen) plain() *Query {
	sc := &scope{}
	q := &Query{From: g.from(sc, 4), Distinct: g.p(20)}
	for range 1 + g.n(4) {
		q.Select = append(q.Select, g.expr(sc, pick(g, []typ{tInt, tDec, tText, tDate, tBool}), 2))
	}
	if g.p(20) {
		t := tables[pick(g, []string{"nation", "region", "supplier"})]
		src, a := g.source(t)
		ic := qualify(t, a)
		q.Select = append(q.Select, fmt.Sprintf("(SELECT %s(%s) FROM %s WHERE %s = %s)", pick(g, []string{"max", "min", "count"}), ic[0].name, src, ic[0].name, pick(g, sc.of(tInt)).name))
	}
	g.where(sc, q)
	q.OrderBy = g.p(60)
	if q.OrderBy && g.p(60) {
		q.Limit = 1 + g.n(30)
	}
	return q
}

func (g *Gen) groupKeys(sc *scope) []string {
	var ks []string
	for range 1 + g.n(3) {
		if g.p(75) {
			ks = append(ks, pick(g, sc.keys))
		} else {
			ks = append(ks, g.expr(sc, pick(g, []typ{tInt, tText, tDate}), 1))
		}
	}
	return ks
}

func (g *Gen) grouped() *Query {
	sc := &scope{}
	q := &Query{From: g.from(sc, 4)}
	keys := g.groupKeys(sc)
	q.Select = append(q.Select, keys...)
	for range 1 + g.n(3) {
		q.Select = append(q.Select, g.agg(sc))
	}
	switch g.n(5) {
	case 0:
		q.GroupBy = "ROLLUP (" + strings.Join(keys, ", ") + ")"
	case 1:
		var sets []string
		for _, k := range keys {
			sets = append(sets, "("+k+")")
		}
		q.GroupBy = "GROUPING SETS (" + strings.Join(sets, ", ") + ", ())"
		if g.p(50) {
			q.Select = append(q.Select, "GROUPING("+keys[0]+")")
		}
	case 2:
		if len(keys) <= 2 {
			q.GroupBy = "CUBE (" + strings.Join(keys, ", ") + ")"
			break
		}
		fallthrough
	default:
		q.GroupBy = strings.Join(keys, ", ")
	}
	q.Sets = strings.ContainsAny(q.GroupBy, "(")
	g.where(sc, q)
	if g.p(40) {
		q.Having = append(q.Having, fmt.Sprintf("%s > %d", g.agg(sc), g.n(5)))
	}
	q.OrderBy = g.p(70)
	if q.OrderBy && !q.Sets && g.p(50) {
		q.Limit = 1 + g.n(20)
	}
	return q
}

func (g *Gen) windowed() *Query {
	sc := &scope{}
	q := &Query{From: g.from(sc, 3)}
	for range 1 + g.n(2) {
		q.Select = append(q.Select, pick(g, sc.cols).name)
	}
	for range 1 + g.n(2) {
		part := ""
		if g.p(70) {
			part = "PARTITION BY " + pick(g, sc.keys)
			if g.p(20) {
				part += ", " + g.expr(sc, tInt, 1)
			}
		}
		order := ""
		if g.p(80) {
			order = " ORDER BY " + pick(g, sc.cols).name + pick(g, []string{"", " DESC", " NULLS FIRST", " DESC NULLS LAST"})
		}
		fn := pick(g, []string{"rank()", "dense_rank()", "count(*)", "sum(" + g.expr(sc, pick(g, []typ{tInt, tDec}), 1) + ")",
			"min(" + g.expr(sc, tInt, 1) + ")", "max(" + g.expr(sc, tText, 1) + ")", "count(" + pick(g, sc.cols).name + ")"})
		if (fn == "rank()" || fn == "dense_rank()") && order == "" {
			order = " ORDER BY " + pick(g, sc.keys)
		}
		q.Select = append(q.Select, fmt.Sprintf("%s OVER (%s%s)", fn, part, order))
	}
	g.where(sc, q)
	q.OrderBy = g.p(50)
	if q.OrderBy && g.p(50) {
		q.Limit = 1 + g.n(20)
	}
	return q
}

func (g *Gen) setOp() *Query {
	ts := []typ{pick(g, []typ{tInt, tText, tDate, tDec})}
	if g.p(50) {
		ts = append(ts, pick(g, []typ{tInt, tText}))
	}
	side := func() *Query {
		sc := &scope{}
		q := &Query{From: g.from(sc, 2)}
		for _, t := range ts {
			q.Select = append(q.Select, g.expr(sc, t, 1))
		}
		g.where(sc, q)
		return q
	}
	q := side()
	q.SetOp = pick(g, []string{"UNION", "UNION ALL", "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL"})
	q.Right = side()
	q.OrderBy = g.p(50)
	if q.OrderBy && g.p(50) {
		q.Limit = 1 + g.n(20)
	}
	return q
}

func (g *Gen) withCTE() *Query {
	sc := &scope{}
	inner := &Query{From: g.from(sc, 3)}
	keys := g.groupKeys(sc)
	inner.Select = append(inner.Select, keys...)
	inner.Select = append(inner.Select, g.agg(sc))
	inner.GroupBy = strings.Join(keys, ", ")
	g.where(sc, inner)
	n := len(inner.Select)
	outerSc := &scope{}
	for i := range n {
		// the CTE's column types are unknown here; text casts keep the outer query valid
		outerSc.cols = append(outerSc.cols, column{name: fmt.Sprintf("w.c%d", i+1), t: -1})
		outerSc.keys = append(outerSc.keys, fmt.Sprintf("w.c%d", i+1))
	}
	q := &Query{With: "WITH w AS (" + inner.core() + ")"}
	if g.p(50) {
		q.From = "w"
		q.Select = append(q.Select, "count(*)", fmt.Sprintf("count(DISTINCT CAST(w.c1 AS text))"), fmt.Sprintf("max(CAST(w.c%d AS text))", n))
	} else {
		q.From = fmt.Sprintf("w LEFT JOIN nation AS n ON CAST(n.n_nationkey AS text) = CAST(w.c1 AS text)")
		q.Select = append(q.Select, "CAST(w.c1 AS text)", fmt.Sprintf("CAST(w.c%d AS text)", n), "n.n_name")
		q.OrderBy = g.p(60)
		if q.OrderBy && g.p(50) {
			q.Limit = 1 + g.n(10)
		}
	}
	return q
}
