package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/planner/logical"
)

// returning.go: INSERT/UPDATE/DELETE/MERGE ... RETURNING.
//
// A statement with RETURNING is a query for Flight SQL (Kind KindQuery; Prepared.ResultSchema
// is the RETURNING list): the gateway runs the write once, when it is planned (GetFlightInfo,
// as PostgreSQL runs it when executed), and the ticket carries the returned rows. The write's
// own plan computes them: after the columns it writes come the RETURNING expressions (and for
// a Rewrite's per-file queries a "dropped" flag first, see Rewrite).

// Returner is implemented by the writes that return rows.
type Returner interface {
	Statement
	// ReturningSchema is the schema of the returned rows; nil without RETURNING.
	ReturningSchema() *arrow.Schema
}

// ReturningSchema implements Returner.
func (i *Insert) ReturningSchema() *arrow.Schema { return i.Returning }

// ReturningSchema implements Returner.
func (r *Rewrite) ReturningSchema() *arrow.Schema { return r.Returning }

// bindReturning binds a RETURNING list over sc (the target table's row, and for UPDATE
// ... FROM / DELETE ... USING the other tables' too), as a select list.
func (b *binder) bindReturning(list []*pg.Node, sc *scope) ([]target, error) {
	return b.bindTargets(list, sc, exprCtx{scope: sc, clause: "RETURNING"})
}

// returningSchema is the Arrow schema of a bound RETURNING list.
func returningSchema(ts []target) *arrow.Schema {
	fs := make([]arrow.Field, len(ts))
	for i, t := range ts {
		fs[i] = arrow.Field{Name: t.name, Type: t.expr.Type().Arrow(), Nullable: t.expr.Nullable()}
	}
	return arrow.NewSchema(fs, nil)
}

// appendReturning projects root's columns followed by the RETURNING expressions (bound over
// root's first columns) and any extra columns given.
func appendReturning(root logical.Node, ts []target) logical.Node {
	sch := root.Schema()
	exprs := make([]logical.Expr, 0, len(sch)+len(ts))
	names := make([]string, 0, len(sch)+len(ts))
	for i, f := range sch {
		exprs = append(exprs, colRef(i, f))
		names = append(names, f.Name)
	}
	for _, t := range ts {
		exprs = append(exprs, t.expr)
		names = append(names, t.name)
	}
	return &logical.Project{Input: root, Exprs: exprs, Names: names}
}
