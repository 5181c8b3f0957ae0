package planner

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
)

// filters.go: the filters a scan pushes to its connector. The optimizer leaves filter
// conjuncts over one table as Scan.Filters (hints: a Filter above still applies them); the
// conjuncts that compare a column with constants become connectors.Filter (a conjunction of
// prune.Preds), which connectors take without importing the planner. What does not convert
// is not pushed (Unsupported) and stays with the engine alone.

// TableDataFiles is an optional capability of TableFiles (connectors/native.Store has it):
// a snapshot's data files with their statistics, and their absolute paths. Without it scans
// read every file of the snapshot, and DML statements are not supported.
type TableDataFiles interface {
	SnapshotDataFiles(ctx context.Context, t catalog.Table, snapshot uint64) ([]catalog.DataFile, error)
	AbsPath(rel string) string
}

// connectorFilters converts a scan's filter hints; what does not convert is left out.
func connectorFilters(filters []logical.Expr, base logical.Schema) []connectors.Filter {
	var out []connectors.Filter
	for _, f := range filters {
		if ps := predsOf([]logical.Expr{f}, base); len(ps) > 0 {
			out = append(out, connectors.Filter{Preds: ps})
		}
	}
	return out
}

// predsOf converts filter conjuncts over a table's columns into pruning predicates; what it
// does not understand is left out (pruning is only ever a hint).
func predsOf(filters []logical.Expr, base logical.Schema) []prune.Pred {
	var out []prune.Pred
	for _, f := range filters {
		for _, c := range logical.Conjuncts(f) {
			out = append(out, predOf(c, base)...)
		}
	}
	return out
}

var flipOp = map[prune.Op]prune.Op{prune.Eq: prune.Eq, prune.Lt: prune.Gt, prune.Le: prune.Ge, prune.Gt: prune.Lt, prune.Ge: prune.Le}

var cmpOpOf = map[string]prune.Op{proto.FnEqual: prune.Eq, proto.FnLt: prune.Lt, proto.FnLte: prune.Le, proto.FnGt: prune.Gt, proto.FnGte: prune.Ge}

func predOf(e logical.Expr, base logical.Schema) []prune.Pred {
	call, ok := e.(*logical.Call)
	if !ok {
		return nil
	}
	switch call.Fn {
	case proto.FnAnd:
		var out []prune.Pred
		for _, a := range call.Args {
			out = append(out, predOf(a, base)...)
		}
		return out
	case proto.FnIsNull, proto.FnIsNotNull:
		if len(call.Args) != 1 {
			return nil
		}
		col, _, ok := columnOf(call.Args[0], base)
		if !ok {
			return nil
		}
		op := prune.IsNull
		if call.Fn == proto.FnIsNotNull {
			op = prune.IsNotNull
		}
		return []prune.Pred{{Col: col, Op: op}}
	case proto.FnOr: // col = a OR col = b ... -> IN
		if len(call.Args) == 0 {
			return nil
		}
		in := prune.Pred{Col: -1, Op: prune.In, Vals: make([]prune.Value, 0, len(call.Args))}
		for _, a := range call.Args {
			// a long IN list is one OR of equalities: take each one directly
			if c, ok := a.(*logical.Call); ok && c.Fn == proto.FnEqual {
				p, ok := cmpPred(c, base)
				if !ok {
					return nil
				}
				if in.Col < 0 {
					in.Col = p.Col
				}
				if in.Col != p.Col {
					return nil
				}
				in.Vals = append(in.Vals, p.Vals...)
				continue
			}
			ps := predOf(a, base)
			if len(ps) != 1 || (ps[0].Op != prune.Eq && ps[0].Op != prune.In) {
				return nil
			}
			if in.Col < 0 {
				in.Col = ps[0].Col
			} else if in.Col != ps[0].Col {
				return nil
			}
			in.Vals = append(in.Vals, ps[0].Vals...)
		}
		return []prune.Pred{in}
	}
	if p, ok := cmpPred(call, base); ok {
		return []prune.Pred{p}
	}
	return nil
}

// cmpPred converts column <op> constant (either side) into one predicate.
func cmpPred(call *logical.Call, base logical.Schema) (prune.Pred, bool) {
	op, ok := cmpOpOf[call.Fn]
	if !ok || len(call.Args) != 2 {
		return prune.Pred{}, false
	}
	l, r := call.Args[0], call.Args[1]
	if _, isLit := l.(*logical.Literal); isLit {
		l, r, op = r, l, flipOp[op]
	}
	lit, ok := r.(*logical.Literal)
	if !ok || lit.Value == nil {
		return prune.Pred{}, false
	}
	col, conv, ok := columnOf(l, base)
	if !ok {
		return prune.Pred{}, false
	}
	v, ok := literalValue(lit)
	if !ok {
		return prune.Pred{}, false
	}
	if conv != nil {
		v, op = conv(v, op)
	}
	ct := base[col].Type
	if v.Kind != prune.KindOf(ct) || ct.Kind == catalog.TypeFloat32 {
		return prune.Pred{}, false
	}
	if v.Kind == prune.KindDecimal && lit.Typ.Scale != ct.Scale {
		d, err := v.D.Rescale(lit.Typ.Scale, ct.Scale)
		if err != nil {
			return prune.Pred{}, false
		}
		v = prune.Decimal(d)
	}
	return prune.Pred{Col: col, Op: op, Vals: []prune.Value{v}}, true
}

// columnOf finds the table column an expression reads, through the casts that keep order
// (integer widening, date to timestamp). conv maps a literal of the cast's type and the
// comparison onto the column's domain (a superset of the rows, which is all pruning needs).
func columnOf(e logical.Expr, base logical.Schema) (int, func(prune.Value, prune.Op) (prune.Value, prune.Op), bool) {
	switch x := e.(type) {
	case *logical.Column:
		if x.Index < 0 || x.Index >= len(base) {
			return 0, nil, false
		}
		return x.Index, nil, true
	case *logical.Cast:
		col, ok := x.Input.(*logical.Column)
		if !ok || col.Index < 0 || col.Index >= len(base) {
			return 0, nil, false
		}
		from, to := base[col.Index].Type.Kind, x.To.Kind
		isInt := func(k catalog.TypeKind) bool {
			return k == catalog.TypeInt16 || k == catalog.TypeInt32 || k == catalog.TypeInt64
		}
		switch {
		case isInt(from) && isInt(to):
			return col.Index, nil, true
		case from == catalog.TypeDate && (to == catalog.TypeTimestamp || to == catalog.TypeTimestampTZ):
			return col.Index, func(v prune.Value, op prune.Op) (prune.Value, prune.Op) {
				day := v.I / usPerDay
				if v.I%usPerDay != 0 && v.I < 0 {
					day--
				}
				switch op {
				case prune.Lt, prune.Le:
					op = prune.Le
				case prune.Gt, prune.Ge:
					op = prune.Ge
				}
				return prune.Int(day), op
			}, true
		}
	}
	return 0, nil, false
}

const usPerDay = 86400 * 1000000

// literalValue converts a literal to a pruning value of its type's domain.
func literalValue(l *logical.Literal) (prune.Value, bool) {
	switch v := l.Value.(type) {
	case int64:
		return prune.Int(v), true
	case int32:
		return prune.Int(int64(v)), true
	case float64:
		return prune.Float(v), true
	case bool:
		return prune.Bool(v), true
	case string:
		if l.Typ.Kind != catalog.TypeText {
			return prune.Value{}, false
		}
		return prune.String(v), true
	case decimal128.Num:
		return prune.Decimal(v), true
	}
	return prune.Value{}, false
}
