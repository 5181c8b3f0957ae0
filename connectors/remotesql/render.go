package remotesql

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/prune"
)

// Dialect renders names and values for one kind of source.
type Dialect interface {
	// QuoteIdent quotes a name so that it is read as exactly that name.
	QuoteIdent(name string) string
	// Literal renders v, a value of a column of type t, as a constant of the dialect; ok is
	// false when the dialect cannot say it exactly (the filter is then not pushed).
	Literal(v prune.Value, t catalog.Type) (string, bool)
	// Column renders a column reference for a comparison with a literal of type t: e.g. a
	// collation or BINARY that makes text compare by bytes, as Tern does.
	Compared(col string, t catalog.Type) string
	// Selected renders a selected column of declared type t (e.g. a cast to text).
	Selected(col string, t catalog.Type) string
}

// Query is a rendered scan.
type Query struct {
	SQL     string
	Pushed  int // filters rendered into the WHERE clause
	Limited bool
}

// Render renders SELECT <projection> FROM <schema>.<table> [WHERE filters] [extra] [LIMIT n].
// Filters the dialect cannot render are left out (the engine applies every filter above the
// scan anyway). extra is an additional condition already rendered (e.g. a ctid range).
func Render(d Dialect, src *Source, req connectors.ScanRequest, extra string) Query {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	proj := req.Projection
	if proj == nil {
		proj = make([]int, len(src.Columns))
		for i := range proj {
			proj[i] = i
		}
	}
	if len(proj) == 0 {
		sb.WriteString("1")
	}
	for i, c := range proj {
		if i > 0 {
			sb.WriteString(", ")
		}
		col := src.Columns[c]
		sb.WriteString(d.Selected(d.QuoteIdent(col.Name), col.Type))
	}
	sb.WriteString(" FROM ")
	if src.RemoteSchema != "" {
		sb.WriteString(d.QuoteIdent(src.RemoteSchema))
		sb.WriteString(".")
	}
	sb.WriteString(d.QuoteIdent(src.RemoteTable))
	var conds []string
	q := Query{}
	for _, f := range req.Filters {
		if s, ok := RenderFilter(d, src, f); ok {
			conds = append(conds, s)
			q.Pushed++
		}
	}
	if extra != "" {
		conds = append(conds, extra)
	}
	if len(conds) > 0 {
		sb.WriteString(" WHERE ")
		sb.WriteString(strings.Join(conds, " AND "))
	}
	if len(req.Order) > 0 && req.Limit >= 0 {
		if o, ok := renderOrder(d, src, req.Order); ok {
			sb.WriteString(" ORDER BY " + o)
		} else {
			req.Limit = -1 // an order the source cannot keep: all rows, Tern sorts
		}
	}
	if req.Limit >= 0 {
		fmt.Fprintf(&sb, " LIMIT %d", req.Limit)
		q.Limited = true
	}
	q.SQL = sb.String()
	return q
}

// RenderFilter renders one filter (a conjunction) or answers false.
func RenderFilter(d Dialect, src *Source, f connectors.Filter) (string, bool) {
	if len(f.Preds) == 0 {
		return "", false
	}
	parts := make([]string, 0, len(f.Preds))
	for _, p := range f.Preds {
		s, ok := renderPred(d, src, p)
		if !ok {
			return "", false
		}
		parts = append(parts, s)
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	return "(" + strings.Join(parts, " AND ") + ")", true
}

var opSQL = map[prune.Op]string{prune.Eq: "=", prune.Lt: "<", prune.Le: "<=", prune.Gt: ">", prune.Ge: ">="}

func renderPred(d Dialect, src *Source, p prune.Pred) (string, bool) {
	if p.Col < 0 || p.Col >= len(src.Columns) {
		return "", false
	}
	col := src.Columns[p.Col]
	if src.Unreadable(col.Name) != "" {
		return "", false
	}
	name := d.QuoteIdent(col.Name)
	switch p.Op {
	case prune.IsNull:
		return name + " IS NULL", true
	case prune.IsNotNull:
		return name + " IS NOT NULL", true
	}
	lits := make([]string, len(p.Vals))
	for i, v := range p.Vals {
		l, ok := d.Literal(v, col.Type)
		if !ok {
			return "", false
		}
		lits[i] = l
	}
	cmpName := d.Compared(name, col.Type)
	switch p.Op {
	case prune.Eq, prune.Lt, prune.Le, prune.Gt, prune.Ge:
		if len(lits) != 1 {
			return "", false
		}
		return cmpName + " " + opSQL[p.Op] + " " + lits[0], true
	case prune.Between:
		if len(lits) != 2 {
			return "", false
		}
		return cmpName + " BETWEEN " + lits[0] + " AND " + lits[1], true
	case prune.In:
		if len(lits) == 0 {
			return "", false
		}
		return cmpName + " IN (" + strings.Join(lits, ", ") + ")", true
	}
	return "", false
}

// ---- literal helpers shared by the dialects

// Number renders numeric kinds (int, float, decimal) for a column of type t; ok false for
// non-finite floats and kinds that do not match t.
func Number(v prune.Value, t catalog.Type) (string, bool) {
	switch t.Kind {
	case catalog.TypeInt16, catalog.TypeInt32, catalog.TypeInt64:
		if v.Kind != prune.KindInt {
			return "", false
		}
		return strconv.FormatInt(v.I, 10), true
	case catalog.TypeFloat32, catalog.TypeFloat64:
		if v.Kind != prune.KindFloat || math.IsNaN(v.F) || math.IsInf(v.F, 0) {
			return "", false
		}
		return strconv.FormatFloat(v.F, 'g', -1, 64), true
	case catalog.TypeNumeric:
		if v.Kind != prune.KindDecimal {
			return "", false
		}
		return DecimalText(v.D.BigInt(), t.Scale), true
	}
	return "", false
}

// DecimalText renders an unscaled integer at scale as a decimal constant ("-12.30").
func DecimalText(u *big.Int, scale int32) string {
	neg := u.Sign() < 0
	s := new(big.Int).Abs(u).String()
	if scale > 0 {
		for int32(len(s)) <= scale {
			s = "0" + s
		}
		s = s[:int32(len(s))-scale] + "." + s[int32(len(s))-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// DateText renders days since 1970-01-01.
func DateText(days int64) string {
	return time.Unix(days*86400, 0).UTC().Format("2006-01-02")
}

// TimestampText renders microseconds since 1970-01-01 00:00 (UTC for timestamptz).
func TimestampText(us int64) string {
	return time.UnixMicro(us).UTC().Format("2006-01-02 15:04:05.999999")
}

// ParseDecimal reads a decimal constant ("-12.345") as an unscaled value at scale, rounding
// half away from zero.
func ParseDecimal(s string, scale int32) (*big.Int, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	roundUp := false
	if int32(len(frac)) > scale {
		roundUp = frac[scale] >= '5'
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", int(scale)-len(frac))
	u, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return nil, fmt.Errorf("invalid decimal %q", s)
	}
	if roundUp {
		u.Add(u, big.NewInt(1))
	}
	if neg {
		u.Neg(u)
	}
	return u, nil
}

func nanValue() float64 { return math.NaN() }

// OrderDialect is a Dialect that can render ORDER BY keys as Tern orders them.
type OrderDialect interface {
	// OrderKey renders one key; ok false when the source would order the type differently.
	OrderKey(col string, t catalog.Type, desc, nullsFirst bool) (string, bool)
}

// renderOrder renders ORDER BY keys, or false.
func renderOrder(d Dialect, src *Source, keys []connectors.OrderKey) (string, bool) {
	od, ok := d.(OrderDialect)
	if !ok || len(keys) == 0 {
		return "", false
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		if k.Col < 0 || k.Col >= len(src.Columns) {
			return "", false
		}
		c := src.Columns[k.Col]
		if src.Unreadable(c.Name) != "" {
			return "", false
		}
		switch c.Type.Kind {
		case catalog.TypeFloat32, catalog.TypeFloat64, catalog.TypeInterval, catalog.TypeUnknown:
			return "", false // NaN and interval orderings differ between engines
		}
		s, ok := od.OrderKey(d.QuoteIdent(c.Name), c.Type, k.Desc, k.NullsFirst)
		if !ok {
			return "", false
		}
		parts[i] = s
	}
	return strings.Join(parts, ", "), true
}
