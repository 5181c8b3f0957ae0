package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// ageOne binds the one-argument age(x): PostgreSQL defines it as age(current_date, x) with
// current_date cast to x's type (midnight of today in the session time zone, UTC here), so it
// is rewritten into the registry's two-argument function. A date argument resolves as in
// PostgreSQL, to the timestamptz form (the preferred type of the date/time category); an
// untyped literal is ambiguous there as here.
func (b *binder) ageOne(args []logical.Expr, loc int32) (logical.Expr, error) {
	var to catalog.Type
	switch args[0].Type().Kind {
	case catalog.TypeTimestamp:
		to = catalog.Timestamp
	case catalog.TypeTimestampTZ, catalog.TypeDate:
		to = catalog.TimestampTZ
	case catalog.TypeUnknown:
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "function age(unknown) is not unique"))
	default:
		return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function age(%s) does not exist", opTypeName(args[0].Type())))
	}
	today, err := b.sqlValueFunc(&pg.SQLValueFunction{Op: pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE})
	if err != nil {
		return nil, err
	}
	if today, err = b.coerce(today, to); err != nil {
		return nil, b.errAt(loc, err)
	}
	if e, ok := b.resolveBySig("age", []logical.Expr{today, args[0]}); ok {
		return e, nil
	}
	return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "function age(%s) does not exist", opTypeName(args[0].Type())))
}
