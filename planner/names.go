package planner

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

func typeNameOf(v any) string { return fmt.Sprintf("%T", v) }

// figureName names a select-list expression the way PostgreSQL's FigureColname does.
func figureName(n *pg.Node) string {
	if s := figureNameInner(n); s != "" {
		return s
	}
	return "?column?"
}

func figureNameInner(n *pg.Node) string {
	if n == nil {
		return ""
	}
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if len(f) > 0 {
			return strVal(f[len(f)-1])
		}
	case *pg.Node_FuncCall:
		f := x.FuncCall.Funcname
		if len(f) > 0 {
			return strVal(f[len(f)-1])
		}
	case *pg.Node_TypeCast:
		if s := figureNameInner(x.TypeCast.Arg); s != "" {
			return s
		}
		if tn := x.TypeCast.TypeName; tn != nil && len(tn.Names) > 0 {
			return strVal(tn.Names[len(tn.Names)-1])
		}
	case *pg.Node_CaseExpr:
		if s := figureNameInner(x.CaseExpr.Defresult); s != "" {
			return s
		}
		return "case"
	case *pg.Node_CoalesceExpr:
		return "coalesce"
	case *pg.Node_SqlvalueFunction:
		return sqlValueFuncNames[x.SqlvalueFunction.Op]
	case *pg.Node_AExpr:
		if x.AExpr.Kind == pg.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif"
		}
	case *pg.Node_AConst:
		if _, ok := x.AConst.Val.(*pg.A_Const_Boolval); ok {
			return "bool"
		}
	case *pg.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg.MinMaxOp_IS_GREATEST {
			return "greatest"
		}
		return "least"
	}
	return ""
}

// lowerName returns the last element of a qualified function name, lower-cased.
func lowerName(ns []*pg.Node) string {
	if len(ns) == 0 {
		return ""
	}
	return strings.ToLower(strVal(ns[len(ns)-1]))
}

// sqlValueFuncNames are the column names PostgreSQL gives SQL value functions.
var sqlValueFuncNames = map[pg.SQLValueFunctionOp]string{
	pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "current_date",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "current_time",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "current_time",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "current_timestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME:           "localtime",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "localtime",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "localtimestamp",
	pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "localtimestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "current_role",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "current_user",
	pg.SQLValueFunctionOp_SVFOP_USER:                "user",
	pg.SQLValueFunctionOp_SVFOP_SESSION_USER:        "session_user",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "current_catalog",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "current_schema",
}
