package planner

import (
	"strings"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/planner/substrait"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// bind_substrait_expr.go: expressions of client Substrait plans (bind_substrait.go has the
// relations). Standard functions are bound as the SQL operator or function that means the
// same, so they get the binder's coercions and result types; Tern's own extension carries
// PostgreSQL's functions under their names.

func (c *substraitBinder) function(anchor uint32) (substrait.Function, error) {
	f, ok := c.funcs[anchor]
	if !ok {
		return f, badPlan("function anchor %d is not declared", anchor)
	}
	return f, nil
}

func standardURN(urn string) bool {
	switch urn {
	case proto.URNArithmetic, proto.URNDecimal, proto.URNComparison, proto.URNBoolean, proto.URNString,
		proto.URNDatetime, proto.URNAggregate:
		return true
	}
	return false
}

// fieldRef binds a direct reference to a top-level field of sch.
func (c *substraitBinder) fieldRef(fr *pb.Expression_FieldReference, sch logical.Schema) (logical.Expr, error) {
	if fr == nil {
		return nil, badPlan("a field reference is missing")
	}
	if _, ok := fr.GetRootType().(*pb.Expression_FieldReference_RootReference_); !ok && fr.GetRootType() != nil {
		return nil, unsupportedPlan("outer and expression field references are not supported")
	}
	sf := fr.GetDirectReference().GetStructField()
	if sf == nil {
		return nil, unsupportedPlan("field references other than to a column are not supported")
	}
	if sf.GetChild() != nil {
		return nil, unsupportedPlan("references into nested fields are not supported")
	}
	i := sf.GetField()
	if i < 0 || int(i) >= len(sch) {
		return nil, badPlan("field reference %d is out of range (the input has %d columns)", i, len(sch))
	}
	return colOf(sch, int(i)), nil
}

// expr binds an expression over an input of schema sch.
func (c *substraitBinder) expr(pe *pb.Expression, sch logical.Schema) (logical.Expr, error) {
	if err := c.enter(); err != nil {
		return nil, err
	}
	defer func() { c.depth-- }()
	switch x := pe.GetRexType().(type) {
	case *pb.Expression_Selection:
		return c.fieldRef(x.Selection, sch)
	case *pb.Expression_Literal_:
		return substrait.FromLiteral(x.Literal)
	case *pb.Expression_ScalarFunction_:
		sf := x.ScalarFunction
		f, err := c.function(sf.GetFunctionReference())
		if err != nil {
			return nil, err
		}
		args, err := c.args(sf.GetArguments(), sch, f.Name)
		if err != nil {
			return nil, err
		}
		if len(sf.GetArgs()) > 0 && len(sf.GetArguments()) == 0 {
			return nil, unsupportedPlan("function %s uses the deprecated args field; send arguments", f.Name)
		}
		return c.scalar(f, args, sf.GetOptions())
	case *pb.Expression_Cast_:
		in, err := c.expr(x.Cast.GetInput(), sch)
		if err != nil {
			return nil, err
		}
		if x.Cast.GetFailureBehavior() == pb.Expression_Cast_FAILURE_BEHAVIOR_RETURN_NULL {
			return nil, unsupportedPlan("casts that return NULL on failure are not supported")
		}
		to, _, err := substrait.FromType(x.Cast.GetType())
		if err != nil {
			return nil, err
		}
		if !canExplicit(in.Type(), to) {
			return nil, badPlan("cannot cast type %s to %s", opTypeName(in.Type()), opTypeName(to))
		}
		return c.b.explicitCast(in, to, noLoc)
	case *pb.Expression_IfThen_:
		return c.ifThen(x.IfThen, sch)
	case *pb.Expression_SwitchExpression_:
		return c.switchExpr(x.SwitchExpression, sch)
	case *pb.Expression_SingularOrList_:
		return c.inList(x.SingularOrList, sch)
	case nil:
		return nil, badPlan("an expression is empty")
	}
	return nil, unsupportedPlan("%s expressions are not supported", substrait.KindOf(pe.GetRexType()))
}

// args binds function arguments; enum arguments become text literals (extract's component).
func (c *substraitBinder) args(fa []*pb.FunctionArgument, sch logical.Schema, fn string) ([]logical.Expr, error) {
	out := make([]logical.Expr, len(fa))
	for i, a := range fa {
		switch v := a.GetArgType().(type) {
		case *pb.FunctionArgument_Value:
			e, err := c.expr(v.Value, sch)
			if err != nil {
				return nil, err
			}
			out[i] = e
		case *pb.FunctionArgument_Enum:
			out[i] = &logical.Literal{Typ: catalog.Text, Value: v.Enum}
		default:
			return nil, unsupportedPlan("argument %d of %s is not a value", i+1, fn)
		}
	}
	return out, nil
}

func (c *substraitBinder) ifThen(it *pb.Expression_IfThen, sch logical.Schema) (logical.Expr, error) {
	if len(it.GetIfs()) == 0 {
		return nil, badPlan("an if-then has no clause")
	}
	var conds, results []logical.Expr
	for _, clause := range it.GetIfs() {
		cond, err := c.expr(clause.GetIf(), sch)
		if err != nil {
			return nil, err
		}
		if cond, err = c.b.toBool(cond, "CASE/WHEN", noLoc); err != nil {
			return nil, err
		}
		r, err := c.expr(clause.GetThen(), sch)
		if err != nil {
			return nil, err
		}
		if nn, ok := cond.(*logical.Call); ok && nn.Fn == proto.FnIsNotNull && len(nn.Args) == 1 && nn.Args[0].String() == r.String() {
			r = nn.Args[0] // WHEN x IS NOT NULL THEN x (COALESCE) is never NULL: one node, as the binder's
		}
		conds, results = append(conds, cond), append(results, r)
	}
	return c.caseOf(conds, results, it.GetElse(), sch)
}

// caseOf builds CASE WHEN conds THEN results ELSE els END with the binder's common type.
func (c *substraitBinder) caseOf(conds, results []logical.Expr, els *pb.Expression, sch logical.Schema) (logical.Expr, error) {
	if els != nil {
		e, err := c.expr(els, sch)
		if err != nil {
			return nil, err
		}
		results = append(results, e)
	}
	t, err := c.b.commonOf(results, "CASE", noLoc)
	if err != nil {
		return nil, err
	}
	for i := range results {
		if results[i], err = c.b.coerce(results[i], t); err != nil {
			return nil, err
		}
	}
	out := &logical.Case{Typ: t}
	for i, cond := range conds {
		out.Whens = append(out.Whens, logical.When{Cond: cond, Result: results[i]})
	}
	if els != nil {
		out.Else = results[len(results)-1]
	}
	return out, nil
}

func (c *substraitBinder) switchExpr(sw *pb.Expression_SwitchExpression, sch logical.Schema) (logical.Expr, error) {
	if len(sw.GetIfs()) == 0 {
		return nil, badPlan("a switch has no clause")
	}
	v, err := c.expr(sw.GetMatch(), sch)
	if err != nil {
		return nil, err
	}
	var conds, results []logical.Expr
	for _, clause := range sw.GetIfs() {
		l, err := substrait.FromLiteral(clause.GetIf())
		if err != nil {
			return nil, err
		}
		eq, err := c.b.binary("=", v, l, noLoc)
		if err != nil {
			return nil, err
		}
		r, err := c.expr(clause.GetThen(), sch)
		if err != nil {
			return nil, err
		}
		conds, results = append(conds, eq), append(results, r)
	}
	return c.caseOf(conds, results, sw.GetElse(), sch)
}

// inList binds value IN (options) as SQL's IN list is bound: OR of equalities.
func (c *substraitBinder) inList(sl *pb.Expression_SingularOrList, sch logical.Schema) (logical.Expr, error) {
	if len(sl.GetOptions()) == 0 {
		return nil, badPlan("an IN list has no options")
	}
	v, err := c.expr(sl.GetValue(), sch)
	if err != nil {
		return nil, err
	}
	ors := make([]logical.Expr, 0, len(sl.GetOptions()))
	for _, o := range sl.GetOptions() {
		oe, err := c.expr(o, sch)
		if err != nil {
			return nil, err
		}
		eq, err := c.b.binary("=", v, oe, noLoc)
		if err != nil {
			return nil, err
		}
		ors = append(ors, eq)
	}
	if len(ors) == 1 {
		return ors[0], nil
	}
	return call(proto.FnOr, catalog.Bool, ors...), nil
}

// substraitOps: standard functions that are SQL binary operators.
var substraitOps = map[string]string{
	"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "modulus": "%",
	"equal": "=", "not_equal": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
}

// substraitFuncs: standard functions bound as the SQL function of that name (the value).
var substraitFuncs = map[string]string{
	"abs": "abs", "sign": "sign", "sqrt": "sqrt", "exp": "exp", "ln": "ln", "log10": "log10",
	"power": "power", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos",
	"atan": "atan", "atan2": "atan2", "ceil": "ceil", "floor": "floor", "round": "round",
	"lower": "lower", "upper": "upper", "char_length": "char_length", "substring": "substring",
	"trim": "btrim", "ltrim": "ltrim", "rtrim": "rtrim", "replace": "replace", "starts_with": "starts_with",
	"strpos": "strpos", "left": "left", "right": "right", "lpad": "lpad", "rpad": "rpad",
	"reverse": "reverse", "repeat": "repeat", "octet_length": "octet_length", "bit_length": "bit_length",
	"least": "least", "greatest": "greatest", "nullif": "nullif",
}

// substraitExtract maps Substrait's extract components to PostgreSQL's fields.
var substraitExtract = map[string]string{"YEAR": "year", "QUARTER": "quarter", "MONTH": "month", "DAY": "day",
	"HOUR": "hour", "MINUTE": "minute", "SECOND": "second", "DAY_OF_YEAR": "doy", "DAY_OF_WEEK": "isodow",
	"ISO_YEAR": "isoyear", "WEEK": "week"}

// scalar binds a scalar function call by its extension and name.
func (c *substraitBinder) scalar(f substrait.Function, args []logical.Expr, opts []*pb.FunctionOption) (logical.Expr, error) {
	b := c.b
	arity := func(lo, hi int) error {
		if len(args) < lo || len(args) > hi {
			return badPlan("function %s takes %d to %d arguments, got %d", f.Name, lo, hi, len(args))
		}
		return nil
	}
	if f.URN == proto.URNTern {
		// Tern's own extension: PostgreSQL's functions under their names (the producer's)
		switch f.Name {
		case proto.FnILike:
			if err := arity(2, 2); err != nil {
				return nil, err
			}
			return b.binary("~~*", args[0], args[1], noLoc)
		case "concat":
			return b.scalarFunc("concat", args, noLoc)
		case "read_parquet", "read_csv", "read_json":
			return nil, logical.Errorf(errs.ErrPermissionDenied, "Substrait plans may not read files")
		case "grouping":
			return nil, unsupportedPlan("grouping() is not supported; aggregates report their grouping set")
		case "greatest", "least":
			if len(args) == 0 {
				return nil, badPlan("function %s needs an argument", f.Name)
			}
		}
		if _, ok := aggFuncOf(f.Name); ok {
			return nil, badPlan("aggregate function %s used as a scalar function", f.Name)
		}
		return b.scalarFunc(f.Name, args, noLoc)
	}
	if !standardURN(f.URN) {
		return nil, unsupportedPlan("function %s of extension %q is not supported", f.Name, f.URN)
	}
	if op, ok := substraitOps[f.Name]; ok {
		if err := arity(2, 2); err != nil {
			return nil, err
		}
		return b.binary(op, args[0], args[1], noLoc)
	}
	switch f.Name {
	case "negate":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		return b.unary("-", args[0], noLoc)
	case "and", "or":
		if len(args) == 0 {
			return &logical.Literal{Typ: catalog.Bool, Value: f.Name == "and"}, nil
		}
		for i := range args {
			var err error
			if args[i], err = b.toBool(args[i], strings.ToUpper(f.Name), noLoc); err != nil {
				return nil, err
			}
		}
		if len(args) == 1 {
			return args[0], nil
		}
		return call(f.Name, catalog.Bool, args...), nil
	case "not":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		e, err := b.toBool(args[0], "NOT", noLoc)
		if err != nil {
			return nil, err
		}
		return call(proto.FnNot, catalog.Bool, e), nil
	case "is_null", "is_not_null":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		return &logical.Call{Fn: f.Name, Args: []logical.Expr{b.resolveUnknown(args[0])}, Typ: catalog.Bool}, nil
	case "is_distinct_from", "is_not_distinct_from":
		if err := arity(2, 2); err != nil {
			return nil, err
		}
		e, err := b.binary("=", args[0], args[1], noLoc)
		if err != nil {
			return nil, err
		}
		return &logical.Call{Fn: f.Name, Args: e.(*logical.Call).Args, Typ: catalog.Bool}, nil
	case "is_true", "is_false", "is_not_true", "is_not_false":
		if err := arity(1, 1); err != nil {
			return nil, err
		}
		e, err := b.toBool(args[0], "IS TRUE", noLoc)
		if err != nil {
			return nil, err
		}
		fn := proto.FnNotDistinct
		if strings.HasPrefix(f.Name, "is_not_") {
			fn = proto.FnIsDistinct
		}
		v := &logical.Literal{Typ: catalog.Bool, Value: !strings.HasSuffix(f.Name, "false")}
		return &logical.Call{Fn: fn, Args: []logical.Expr{e, v}, Typ: catalog.Bool}, nil
	case "between":
		if err := arity(3, 3); err != nil {
			return nil, err
		}
		ge, err := b.binary(">=", args[0], args[1], noLoc)
		if err != nil {
			return nil, err
		}
		le, err := b.binary("<=", args[0], args[2], noLoc)
		if err != nil {
			return nil, err
		}
		return call(proto.FnAnd, catalog.Bool, ge, le), nil
	case "coalesce":
		if len(args) == 0 {
			return nil, badPlan("coalesce needs an argument")
		}
		return b.coalesce(args, noLoc)
	case "concat":
		if len(args) == 0 {
			return nil, badPlan("concat needs an argument")
		}
		out := args[0]
		if len(args) == 1 {
			return b.binary("||", out, &logical.Literal{Typ: catalog.Text, Value: ""}, noLoc)
		}
		for _, a := range args[1:] {
			var err error
			if out, err = b.binary("||", out, a, noLoc); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "like":
		if err := arity(2, 2); err != nil {
			return nil, err
		}
		op := "~~"
		for _, o := range opts {
			if strings.EqualFold(o.GetName(), "case_sensitivity") && len(o.GetPreference()) > 0 &&
				strings.EqualFold(o.GetPreference()[0], "CASE_INSENSITIVE") {
				op = "~~*"
			}
		}
		return b.binary(op, args[0], args[1], noLoc)
	case "extract":
		if err := arity(2, 3); err != nil {
			return nil, err
		}
		comp, ok := args[0].(*logical.Literal)
		var field string
		if ok {
			field, ok = comp.Value.(string)
		}
		pgField, known := substraitExtract[strings.ToUpper(field)]
		if !ok || !known {
			return nil, unsupportedPlan("extract of %v is not supported", field)
		}
		if len(args) == 3 {
			return nil, unsupportedPlan("extract with a time zone is not supported")
		}
		return b.extract("extract", []logical.Expr{&logical.Literal{Typ: catalog.Text, Value: pgField}, args[1]}, noLoc)
	}
	if name, ok := substraitFuncs[f.Name]; ok {
		if len(args) == 0 {
			return nil, badPlan("function %s needs an argument", f.Name)
		}
		return b.scalarFunc(name, args, noLoc)
	}
	return nil, unsupportedPlan("function %s of %s is not supported", f.Name, f.URN)
}
