package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// json and jsonb (functions/json.go, proto.URNJSON): their casts, operators and functions,
// bound here because PostgreSQL resolves them by the json types of their arguments, takes
// "any" arguments (to_json, the build functions) or variadic paths. Both types are text in
// the engine, so every cast that changes the text is a function call, never a Cast.

func jsonPrefix(t catalog.Type) string {
	if t.Kind == catalog.TypeJSONB {
		return "jsonb"
	}
	return "json"
}

// jsonCastExpr is e converted to to when json or jsonb is involved and the cast is not one
// the generic path does right (literals of text parse at planning time through
// logical.ParseValue; json/jsonb -> text keeps the text).
func (b *binder) jsonCastExpr(e logical.Expr, to catalog.Type) (logical.Expr, bool) {
	from := e.Type()
	if !functions.IsJSON(from) && !functions.IsJSON(to) || from.Kind == to.Kind {
		return nil, false
	}
	if p, ok := e.(*logical.Param); ok && isUnknown(p.Typ) {
		if !functions.IsJSON(to) {
			return nil, false
		}
		// a json parameter is text a client sends: read by the type's input function
		t, err := b.coerce(p, catalog.Text)
		if err != nil {
			return nil, false
		}
		return regCall(jsonPrefix(to)+"_in", to, []logical.Expr{t}), true
	}
	if _, ok := e.(*logical.Literal); ok && (isUnknown(from) || from.Kind == catalog.TypeText) {
		return nil, false
	}
	switch {
	case functions.IsJSON(to) && (isUnknown(from) || from.Kind == catalog.TypeText):
		return regCall(jsonPrefix(to)+"_in", to, []logical.Expr{e}), true
	case from.Kind == catalog.TypeJSON && to.Kind == catalog.TypeJSONB:
		return regCall("jsonb_in", to, []logical.Expr{e}), true
	case from.Kind == catalog.TypeJSONB && to.Kind == catalog.TypeJSON:
		return &logical.Cast{Input: e, To: to}, true // jsonb's text is valid json
	case from.Kind == catalog.TypeJSONB && (isNumber(to) || to.Kind == catalog.TypeBool):
		kind := "number"
		if to.Kind == catalog.TypeBool {
			kind = "boolean"
		}
		var x logical.Expr = regCall("jsonb_scalar", catalog.Text, []logical.Expr{e, textLit(kind), textLit(opTypeName(to))})
		if isInt(to) {
			// PostgreSQL goes through numeric: 1.5 rounds to 2
			x = &logical.Cast{Input: x, To: catalog.Numeric(catalog.DefaultNumericPrecision, catalog.DefaultNumericScale)}
		}
		return &logical.Cast{Input: x, To: to}, true
	}
	return nil, false
}

// jsonOperand brings e to type t (an unknown literal parses as t).
func (b *binder) jsonOperand(e logical.Expr, t catalog.Type) (logical.Expr, bool) {
	et := e.Type()
	if !isUnknown(et) && et.Kind != t.Kind && !canImplicit(et, t) {
		return nil, false
	}
	out, err := b.coerce(e, t)
	return out, err == nil
}

// jsonBinary binds the json and jsonb operators; ok is false when neither operand is json.
func (b *binder) jsonBinary(op string, l, r logical.Expr, loc int32) (logical.Expr, bool, error) {
	lt, rt := l.Type(), r.Type()
	if !functions.IsJSON(lt) && !functions.IsJSON(rt) {
		return nil, false, nil
	}
	fail := func() (logical.Expr, bool, error) { return nil, true, b.opError(loc, l, op, r) }
	isB := lt.Kind == catalog.TypeJSONB
	left := func() bool { return functions.IsJSON(lt) }
	textArg := func() (logical.Expr, bool) { return b.jsonOperand(r, catalog.Text) }
	switch op {
	case "->", "->>", "#>", "#>>":
		if !left() {
			return fail()
		}
		fn := jsonPrefix(lt) + "_get"
		if strings.HasPrefix(op, "#") {
			fn = jsonPrefix(lt) + "_path"
		}
		res := lt
		if strings.HasSuffix(op, ">>") {
			fn += "_text"
			res = catalog.Text
		}
		var key logical.Expr
		var ok bool
		if isInt(rt) && !strings.HasPrefix(op, "#") {
			key, ok = b.jsonOperand(r, catalog.Int32)
		} else {
			key, ok = textArg()
		}
		if !ok {
			return fail()
		}
		return regCall(fn, res, []logical.Expr{l, key}), true, nil
	case "@>", "<@":
		x, ok1 := b.jsonOperand(l, catalog.JSONB)
		y, ok2 := b.jsonOperand(r, catalog.JSONB)
		if !ok1 || !ok2 || lt.Kind == catalog.TypeJSON || rt.Kind == catalog.TypeJSON {
			return fail()
		}
		if op == "<@" {
			x, y = y, x
		}
		return regCall("jsonb_contains", catalog.Bool, []logical.Expr{x, y}), true, nil
	case "?", "?|", "?&":
		key, ok := textArg()
		if !isB || !ok {
			return fail()
		}
		fn := map[string]string{"?": "jsonb_exists", "?|": "jsonb_exists_any", "?&": "jsonb_exists_all"}[op]
		return regCall(fn, catalog.Bool, []logical.Expr{l, key}), true, nil
	case "||":
		if lt.Kind == catalog.TypeJSON || rt.Kind == catalog.TypeJSON {
			return nil, false, nil // json has no ||: text concatenation, as PostgreSQL
		}
		x, ok1 := b.jsonOperand(l, catalog.JSONB)
		y, ok2 := b.jsonOperand(r, catalog.JSONB)
		if !ok1 || !ok2 {
			return nil, false, nil
		}
		return regCall("jsonb_concat", catalog.JSONB, []logical.Expr{x, y}), true, nil
	case "-", "#-":
		if !isB {
			return fail()
		}
		if op == "-" && isInt(rt) {
			k, _ := b.jsonOperand(r, catalog.Int32)
			return regCall("jsonb_delete", catalog.JSONB, []logical.Expr{l, k}), true, nil
		}
		k, ok := textArg()
		if !ok {
			return fail()
		}
		fn := "jsonb_delete"
		if op == "#-" {
			fn = "jsonb_delete_path"
		}
		return regCall(fn, catalog.JSONB, []logical.Expr{l, k}), true, nil
	}
	if cmp, ok := cmpOps[op]; ok {
		if lt.Kind == catalog.TypeJSON || rt.Kind == catalog.TypeJSON {
			if functions.IsJSON(lt) && functions.IsJSON(rt) || isUnknown(lt) || isUnknown(rt) {
				return fail() // json has no comparison operators
			}
			return nil, false, nil
		}
		x, ok1 := b.jsonOperand(l, catalog.JSONB)
		y, ok2 := b.jsonOperand(r, catalog.JSONB)
		if !ok1 || !ok2 {
			return fail()
		}
		// jsonb compares in its btree order (1.0 = 1): the sort keys compare bytewise
		key := func(e logical.Expr) logical.Expr { return regCall("jsonb_sortkey", catalog.Text, []logical.Expr{e}) }
		return call(cmp, catalog.Bool, key(x), key(y)), true, nil
	}
	return nil, false, nil
}

// jsonSimple are the functions with fixed json/jsonb parameters: parameter types (the last
// optional ones as counted), result type.
var jsonSimple = map[string]struct {
	args     []catalog.Type
	optional int
	res      catalog.Type
}{
	"json_typeof":        {[]catalog.Type{catalog.JSON}, 0, catalog.Text},
	"jsonb_typeof":       {[]catalog.Type{catalog.JSONB}, 0, catalog.Text},
	"json_array_length":  {[]catalog.Type{catalog.JSON}, 0, catalog.Int32},
	"jsonb_array_length": {[]catalog.Type{catalog.JSONB}, 0, catalog.Int32},
	"jsonb_strip_nulls":  {[]catalog.Type{catalog.JSONB}, 0, catalog.JSONB},
	"jsonb_pretty":       {[]catalog.Type{catalog.JSONB}, 0, catalog.Text},
	"jsonb_set":          {[]catalog.Type{catalog.JSONB, catalog.Text, catalog.JSONB, catalog.Bool}, 1, catalog.JSONB},
	"jsonb_insert":       {[]catalog.Type{catalog.JSONB, catalog.Text, catalog.JSONB, catalog.Bool}, 1, catalog.JSONB},
	// the functions behind ? and @> (PostgreSQL has them by these names)
	"jsonb_exists":   {[]catalog.Type{catalog.JSONB, catalog.Text}, 0, catalog.Bool},
	"jsonb_contains": {[]catalog.Type{catalog.JSONB, catalog.JSONB}, 0, catalog.Bool},
}

// jsonFunc binds the json functions that need more than a signature; ok is false for
// other names.
func (b *binder) jsonFunc(name string, fc *pg.FuncCall, c exprCtx) (logical.Expr, bool, error) {
	switch name {
	case "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg":
		e, err := b.jsonAgg(name, fc, c)
		return e, true, err
	}
	sig, simple := jsonSimple[name]
	special := simple
	switch name {
	case "to_json", "to_jsonb", "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array",
		"json_extract_path", "jsonb_extract_path", "json_extract_path_text", "jsonb_extract_path_text",
		"tern_json_agg_elem", "tern_jsonb_agg_elem", "tern_json_object_agg_elem", "tern_jsonb_object_agg_elem",
		"tern_json_agg_finish", "tern_jsonb_agg_finish", "tern_json_object_agg_finish", "tern_jsonb_object_agg_finish":
		special = true
	}
	if !special {
		return nil, false, nil
	}
	if fc.Over != nil || fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0 {
		return nil, true, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s is not an aggregate function", name))
	}
	args := make([]logical.Expr, len(fc.Args))
	for i, a := range fc.Args {
		var err error
		if args[i], err = b.bindExpr(a, c); err != nil {
			return nil, true, err
		}
	}
	undefined := func() error {
		ts := make([]string, len(args))
		for i, a := range args {
			ts[i] = opTypeName(a.Type())
		}
		return b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s(%s) does not exist", name, strings.Join(ts, ", ")))
	}
	if simple {
		if len(args) > len(sig.args) || len(args) < len(sig.args)-sig.optional {
			return nil, true, undefined()
		}
		for i, a := range args {
			x, ok := b.jsonOperand(a, sig.args[i])
			if !ok {
				return nil, true, undefined()
			}
			args[i] = x
		}
		return regCall(name, sig.res, args), true, nil
	}
	switch name {
	case "to_json", "to_jsonb":
		if len(args) != 1 {
			return nil, true, undefined()
		}
		return b.toJSON(name == "to_jsonb", args[0]), true, nil
	case "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array":
		isB := strings.HasPrefix(name, "jsonb")
		obj := strings.HasSuffix(name, "object")
		if obj && len(args)%2 != 0 {
			return nil, true, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument,
				"argument list must have even number of elements\nHINT:  The arguments of %s() must consist of alternating keys and values.", name))
		}
		for i, a := range args {
			if obj && i%2 == 0 {
				k, err := b.jsonKey(a, fc.Location)
				if err != nil {
					return nil, true, err
				}
				args[i] = k
				continue
			}
			args[i] = b.toJSON(isB, a)
		}
		return regCall(name, map[bool]catalog.Type{true: catalog.JSONB, false: catalog.JSON}[isB], args), true, nil
	case "json_extract_path", "jsonb_extract_path", "json_extract_path_text", "jsonb_extract_path_text":
		t := catalog.JSON
		if strings.HasPrefix(name, "jsonb") {
			t = catalog.JSONB
		}
		if len(args) < 1 {
			return nil, true, undefined()
		}
		for i, a := range args {
			want := catalog.Text
			if i == 0 {
				want = t
			}
			x, ok := b.jsonOperand(a, want)
			if !ok {
				return nil, true, undefined()
			}
			args[i] = x
		}
		res := t
		fn := strings.TrimSuffix(name, "_text")
		if strings.HasSuffix(name, "_text") {
			res, fn = catalog.Text, fn+"_t"
		}
		return regCall(fn, res, args), true, nil
	}
	// the pieces of the json aggregates (jsonAgg)
	id := strings.TrimPrefix(name, "tern_")
	isB := strings.HasPrefix(id, "jsonb")
	switch {
	case strings.HasSuffix(id, "_agg_elem") && strings.Contains(id, "object"):
		if len(args) != 2 {
			return nil, true, undefined()
		}
		k, err := b.jsonKey(args[0], fc.Location)
		if err != nil {
			return nil, true, err
		}
		return regCall(id, catalog.Text, []logical.Expr{k, b.toJSON(isB, args[1])}), true, nil
	case strings.HasSuffix(id, "_agg_elem"):
		if len(args) != 1 {
			return nil, true, undefined()
		}
		return regCall(id, catalog.Text, []logical.Expr{b.toJSON(isB, args[0])}), true, nil
	default: // finish
		if len(args) != 1 {
			return nil, true, undefined()
		}
		return regCall(id, map[bool]catalog.Type{true: catalog.JSONB, false: catalog.JSON}[isB], args), true, nil
	}
}

// jsonKey is an object key argument as text (any type, by its output function).
func (b *binder) jsonKey(e logical.Expr, loc int32) (logical.Expr, error) {
	if e.Type().Kind == catalog.TypeText {
		return e, nil
	}
	if isUnknown(e.Type()) {
		out, err := b.coerce(e, catalog.Text)
		return out, b.errAt(loc, err)
	}
	return &logical.Cast{Input: e, To: catalog.Text}, nil
}

// toJSON is to_json(e) (isB: to_jsonb): json and jsonb values pass (jsonb normalizes json),
// an untyped literal is text.
func (b *binder) toJSON(isB bool, e logical.Expr) logical.Expr {
	t := e.Type()
	switch {
	case isUnknown(t):
		e = b.resolveUnknown(e)
	case t.Kind == catalog.TypeJSONB && !isB:
		return &logical.Cast{Input: e, To: catalog.JSON}
	case t.Kind == catalog.TypeJSONB, t.Kind == catalog.TypeJSON && !isB:
		return e
	case t.Kind == catalog.TypeJSON:
		return regCall("jsonb_in", catalog.JSONB, []logical.Expr{e})
	}
	if isB {
		return regCall("to_jsonb", catalog.JSONB, []logical.Expr{e})
	}
	return regCall("to_json", catalog.JSON, []logical.Expr{e})
}

// jsonAgg binds json_agg(x) as json_agg_finish(string_agg(json_agg_elem(x), ', ')) and
// json_object_agg(k, v) as json_object_agg_finish(string_agg(json_object_agg_elem(k, v),
// ', ')): PostgreSQL's output text is exactly the elements joined (jsonb's object is
// normalized at the end, keeping the last of duplicate keys), and DISTINCT, FILTER, ORDER
// BY and OVER apply to the string_agg as they would to the json aggregate.
func (b *binder) jsonAgg(name string, fc *pg.FuncCall, c exprCtx) (logical.Expr, error) {
	want := 1
	if strings.Contains(name, "object") {
		want = 2
	}
	if len(fc.Args) != want || fc.AggStar {
		return nil, b.errAt(fc.Location, logical.Errorf(errs.ErrNotFound, "function %s does not exist", name))
	}
	fname := func(n string) []*pg.Node { return []*pg.Node{pg.MakeStrNode(n)} }
	elem := pg.MakeFuncCallNode(fname("tern_"+name+"_elem"), fc.Args, fc.Location)
	agg := pg.MakeFuncCallNode(fname("string_agg"), []*pg.Node{elem, pg.MakeAConstStrNode(", ", fc.Location)}, fc.Location)
	ac := agg.GetFuncCall()
	ac.AggDistinct, ac.AggFilter, ac.AggOrder, ac.Over = fc.AggDistinct, fc.AggFilter, fc.AggOrder, fc.Over
	fin := pg.MakeFuncCallNode(fname("tern_"+name+"_finish"), []*pg.Node{agg}, fc.Location)
	return b.bindExpr(fin, c)
}

// jsonEachOf is rf's call when rf is json(b)_each(_text)(...) alone in FROM.
func jsonEachOf(rf *pg.RangeFunction) *pg.FuncCall {
	if len(rf.Functions) != 1 {
		return nil
	}
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 {
		return nil
	}
	fc := l.Items[0].GetFuncCall()
	if fc == nil {
		return nil
	}
	switch lowerName(fc.Funcname) {
	case "json_each", "jsonb_each", "json_each_text", "jsonb_each_text":
		return fc
	}
	return nil
}

// bindJSONEachFrom binds json(b)_each(_text)(x) in FROM: two set-returning calls in
// lockstep, the key and the value column.
func (b *binder) bindJSONEachFrom(fc *pg.FuncCall, rf *pg.RangeFunction) (logical.Node, *scope, error) {
	name := lowerName(fc.Funcname)
	if len(fc.Args) != 1 || fc.AggStar || fc.AggDistinct || fc.Over != nil {
		return nil, nil, b.errAt(fc.Location, notSupported("this function in FROM is not supported"))
	}
	arg, err := b.bindExpr(fc.Args[0], exprCtx{scope: &scope{}, clause: "functions in FROM"})
	if err != nil {
		return nil, nil, err
	}
	var calls []logical.Expr
	for _, half := range []string{"_key", "_value"} {
		fn, _ := functions.SetFuncByID(name + half)
		call, err := b.setCall(fn, name, []logical.Expr{arg}, fc.Location)
		if err != nil {
			return nil, nil, err
		}
		calls = append(calls, call)
	}
	var one logical.Node = &logical.Values{Rows: [][]logical.Expr{{}}}
	node, exprs := buildSets(one, calls, rf.Ordinality)
	ps := node.Schema()
	names := []string{"key", "value"}
	if rf.Ordinality {
		f := ps[len(ps)-1]
		exprs = append(exprs, &logical.Column{Index: len(ps) - 1, Name: f.Name, Typ: f.Type, Null: f.Nullable})
		names = append(names, "ordinality")
	}
	qual := name
	if rf.Alias != nil {
		qual = rf.Alias.Aliasname
	}
	p := &logical.Project{Input: node, Exprs: exprs, Names: names, Quals: make([]string, len(exprs))}
	return b.aliased(p, qual, rf.Alias)
}

// setFuncColumn is the column a set-returning function in FROM is named by (without an
// alias): PostgreSQL's OUT parameter name where it has one.
func setFuncColumn(name string) string {
	switch name {
	case "json_array_elements", "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text":
		return "value"
	}
	return name
}

// engineTyped is q with the schema its batches have (json/jsonb as utf8 rather than the
// clients' JSON extension type): COPY TO writes the batches itself.
func engineTyped(q *Query) *Query {
	fs := q.Schema.Fields()
	changed := false
	for i, f := range fs {
		if ext, ok := f.Type.(arrow.ExtensionType); ok {
			fs[i].Type = ext.StorageType()
			changed = true
		}
	}
	if !changed {
		return q
	}
	out := *q
	md := q.Schema.Metadata()
	out.Schema = arrow.NewSchema(fs, &md)
	return &out
}

// copyJSONColumn is a file's text column loaded into a json or jsonb column: read by the
// type's input function, as PostgreSQL's COPY does (validated, jsonb normalized).
func copyJSONColumn(e logical.Expr, to catalog.Type) (logical.Expr, bool) {
	if !functions.IsJSON(to) || e.Type().Kind != catalog.TypeText {
		return nil, false
	}
	return regCall(jsonPrefix(to)+"_in", to, []logical.Expr{e}), true
}
