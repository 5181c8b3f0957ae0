package functions

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// arithURNs are the extensions arithmetic is declared under, chosen by argument types.
var arithURNs = []string{proto.URNArithmetic, proto.URNDecimal, proto.URNDatetime}

// arithURN: datetime arithmetic under the datetime extension, decimals under the decimal
// one, the rest under plain arithmetic (Substrait's split of the same operators).
func arithURN(args []catalog.Type) string {
	dec := false
	for _, a := range args {
		switch a.Kind {
		case catalog.TypeDate, catalog.TypeTimestamp, catalog.TypeTimestampTZ, catalog.TypeInterval:
			return proto.URNDatetime
		case catalog.TypeNumeric:
			dec = true
		}
	}
	if dec {
		return proto.URNDecimal
	}
	return proto.URNArithmetic
}

func boolResult([]catalog.Type) (catalog.Type, bool) { return catalog.Bool, true }

// operators declares arithmetic, comparison and boolean logic. Their result types for
// numbers follow the binder's operator resolution (planner/bind_expr.go: common numeric
// type, decimal precision and scale rules), so Result is set only where it is fixed.
func operators() []*Func {
	arith := func(name, sql string) *Func {
		return &Func{ID: name, Name: name, URNFor: arithURN, SQL: []string{sql}, Build: exec.Arith(name)}
	}
	cmp := func(name string, sql string, nulls Nulls) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNComparison, SQL: []string{sql}, Nulls: nulls,
			Result: boolResult, Build: exec.Compare(name)}
	}
	return []*Func{
		arith(proto.FnAdd, "+"),
		arith(proto.FnSubtract, "-"),
		arith(proto.FnMultiply, "*"),
		arith(proto.FnDivide, "/"),
		arith(proto.FnModulus, "%"),
		{ID: proto.FnNegate, Name: proto.FnNegate, URNFor: arithURN, SQL: []string{"-"}, Build: exec.Negate(proto.FnNegate)},

		cmp(proto.FnEqual, "=", Strict),
		cmp(proto.FnNotEqual, "<>", Strict),
		cmp(proto.FnLt, "<", Strict),
		cmp(proto.FnLte, "<=", Strict),
		cmp(proto.FnGt, ">", Strict),
		cmp(proto.FnGte, ">=", Strict),
		cmp(proto.FnIsDistinct, "IS DISTINCT FROM", NeverNull),
		cmp(proto.FnNotDistinct, "IS NOT DISTINCT FROM", NeverNull),
		{ID: proto.FnIsNull, Name: proto.FnIsNull, URN: proto.URNComparison, SQL: []string{"IS NULL"}, Nulls: NeverNull,
			Result: boolResult, Build: exec.NullTest(proto.FnIsNull, true)},
		{ID: proto.FnIsNotNull, Name: proto.FnIsNotNull, URN: proto.URNComparison, SQL: []string{"IS NOT NULL"}, Nulls: NeverNull,
			Result: boolResult, Build: exec.NullTest(proto.FnIsNotNull, false)},

		{ID: proto.FnAnd, Name: proto.FnAnd, URN: proto.URNBoolean, VariadicSig: "bool", SQL: []string{"AND"}, Nulls: Kleene,
			Result: boolResult, Build: exec.Logic(proto.FnAnd, true)},
		{ID: proto.FnOr, Name: proto.FnOr, URN: proto.URNBoolean, VariadicSig: "bool", SQL: []string{"OR"}, Nulls: Kleene,
			Result: boolResult, Build: exec.Logic(proto.FnOr, false)},
		{ID: proto.FnNot, Name: proto.FnNot, URN: proto.URNBoolean, SQL: []string{"NOT"},
			Result: boolResult, Build: exec.Not(proto.FnNot)},
	}
}

// toText casts non-text arguments to text (concat() prints every argument).
func toText(b exec.Builder) exec.Builder {
	return func(args []exec.Expr, out arrow.DataType) (exec.Expr, error) {
		args = append([]exec.Expr(nil), args...)
		for i, a := range args {
			if a.Type().ID() != arrow.STRING && a.Type().ID() != arrow.NULL {
				c, err := exec.NewCast(a, arrow.BinaryTypes.String)
				if err != nil {
					return nil, err
				}
				args[i] = c
			}
		}
		return b(args, out)
	}
}
