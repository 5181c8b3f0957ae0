package planner

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// binder binds one statement: names against the catalog and the FROM scope, types with
// PostgreSQL's rules, parameters by context. It is used once and thrown away.
type binder struct {
	ctx       context.Context
	p         *planner
	sess      Session
	sql       string   // the text the parser saw (text.parsed)
	text      *sqlText // for error positions in the client's text
	paramVals []scalar.Scalar
	prepare   bool

	params    []catalog.Type // inferred types of $1..$n (TypeUnknown: not constrained yet)
	snapshots map[uint64]uint64
	estimate  ScanEstimate // native scans after pruning (prune.go)
	dryRun    bool         // EXPLAIN (DRY_RUN) or SET tern.dry_run: answer with the estimate (dryrun.go)

	ctes       []*cte     // WITH entries in scope
	outer      *scope     // the enclosing query's scope while binding a subquery
	outers     []*scope   // the scopes enclosing outer, innermost first (nested subqueries)
	correlated bool       // the subquery being bound referenced outer
	reach      int        // how many levels out the subquery being bound reaches (0: none)
	depth      int        // nesting of views and WITH references
	windows    []*pg.Node // WINDOW clause of the SELECT being bound
	now        time.Time  // statement time (Session.Now or when binding started), UTC
	work       int        // expressions bound, for checkCancel
	inlined    int        // WITH and view references expanded (countInlined)
	exprDepth  int        // nesting of bindExpr calls

	rec         recursiveState // WITH RECURSIVE (bind_recursive.go)
	lateralLeft *scope         // FROM items a LATERAL item may read (bind_lateral.go)
	lateralHit  bool           // the FROM item just bound was bound as LATERAL
	setopLeaf   *setopLeaf     // for the set operation input about to be bound (bind_setop_types.go)
}

// maxBindDepth bounds the binder's expression recursion (Go stacks grow to 1 GB, then the
// runtime aborts the process).
const maxBindDepth = 10_000

// checkCancel returns the context's error once it is done, looking every 256 calls: a
// statement of a million expressions must stop binding soon after its client gave up.
func (b *binder) checkCancel() error {
	b.work++
	if b.work&255 != 0 || b.ctx == nil {
		return nil
	}
	return b.ctx.Err()
}

func newBinder(ctx context.Context, p *planner, s Session, text *sqlText, params []scalar.Scalar, prepare bool) *binder {
	if s.Schema == "" {
		s.Schema = catalog.DefaultSchema
	}
	if s.Tenant == "" {
		s.Tenant = catalog.DefaultTenant
	}
	now := s.Now
	if now.IsZero() {
		now = time.Now()
	}
	if text == nil {
		text = &sqlText{}
	}
	return &binder{ctx: ctx, p: p, sess: s, sql: text.parsed, text: text, paramVals: params, prepare: prepare, snapshots: map[uint64]uint64{}, now: now.UTC()}
}

// boundStmt is a bound statement: root is the logical query to optimize and produce (nil
// for statements without one); build assembles the final Statement from the planned query.
type boundStmt struct {
	kind    Kind
	root    logical.Node
	schema  *arrow.Schema // result schema override (INSERT sources: the table's schema)
	explain bool
	verbose bool
	analyze bool // EXPLAIN ANALYZE: plan the query to run it
	build   func(q *Query, optimized logical.Node) (Statement, error)
	// returning: the rows a write returns (RETURNING; kind KindQuery), for Prepare
	returning *arrow.Schema
}

func queryStmt(root logical.Node) *boundStmt {
	return &boundStmt{kind: KindQuery, root: root, build: func(q *Query, _ logical.Node) (Statement, error) { return q, nil }}
}

// errAt attaches the position of a pg_query location to err.
func (b *binder) errAt(loc int32, err error) error {
	return errs.At(b.text.charPos(loc), err)
}

func notSupported(format string, args ...any) error {
	return logical.Errorf(errs.ErrNotSupported, format, args...)
}

func (b *binder) bindStatement(raw *pg.RawStmt) (*boundStmt, error) {
	if raw.Stmt == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "empty query")
	}
	switch n := raw.Stmt.Node.(type) {
	case *pg.Node_ViewStmt:
		return b.bindCreateView(n.ViewStmt, raw)
	case *pg.Node_SelectStmt:
		root, err := b.bindQuery(n.SelectStmt)
		if err != nil {
			return nil, err
		}
		return queryStmt(root), nil
	case *pg.Node_ExplainStmt:
		return b.bindExplain(n.ExplainStmt)
	case *pg.Node_CreateStmt:
		return b.bindCreateTable(n.CreateStmt)
	case *pg.Node_CreateTableAsStmt:
		return b.bindCreateTableAs(n.CreateTableAsStmt)
	case *pg.Node_DropStmt:
		return b.bindDrop(n.DropStmt)
	case *pg.Node_InsertStmt:
		return b.bindInsert(n.InsertStmt)
	case *pg.Node_CopyStmt:
		return b.bindCopy(n.CopyStmt)
	case *pg.Node_VariableSetStmt:
		return b.bindSet(n.VariableSetStmt)
	case *pg.Node_VariableShowStmt:
		return b.bindShow(n.VariableShowStmt) // settings.go
	case *pg.Node_DeleteStmt, *pg.Node_UpdateStmt, *pg.Node_MergeStmt:
		return b.bindDML(raw.Stmt) // dml.go
	case *pg.Node_VacuumStmt:
		return b.bindMaintain(n.VacuumStmt) // maint.go
	case *pg.Node_CreateRoleStmt, *pg.Node_AlterRoleStmt, *pg.Node_DropRoleStmt:
		return b.bindRole(raw.Stmt) // bind_role.go
	case *pg.Node_CreateSchemaStmt, *pg.Node_TruncateStmt, *pg.Node_CommentStmt, *pg.Node_IndexStmt,
		*pg.Node_AlterTableStmt, *pg.Node_RenameStmt:
		return b.bindDDL(raw.Stmt) // bind_schema.go
	case *pg.Node_CreateForeignServerStmt, *pg.Node_AlterForeignServerStmt, *pg.Node_CreateUserMappingStmt,
		*pg.Node_AlterUserMappingStmt, *pg.Node_DropUserMappingStmt, *pg.Node_ImportForeignSchemaStmt,
		*pg.Node_CreateForeignTableStmt:
		return b.bindForeign(raw.Stmt) // bind_foreign.go
	}
	return nil, notSupported("%s is not supported yet", stmtName(raw.Stmt))
}

// stmtName names a statement node for messages ("UpdateStmt" -> "UPDATE").
func stmtName(n *pg.Node) string {
	s := strings.TrimPrefix(typeNameOf(n.Node), "*pg_query.Node_")
	s = strings.TrimSuffix(s, "Stmt")
	switch s {
	case "Update", "Delete", "Merge", "Truncate", "Vacuum", "Analyze":
		return strings.ToUpper(s)
	}
	if s == "" {
		return "this statement"
	}
	return "statement " + s
}

func (b *binder) bindExplain(e *pg.ExplainStmt) (*boundStmt, error) {
	verbose, analyze := false, false
	for _, o := range e.Options {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		switch d.Defname {
		case "dry_run":
			b.dryRun = defBool(d)
		case "verbose":
			verbose = defBool(d)
		case "analyze":
			analyze = defBool(d)
		case "costs", "format", "summary", "timing", "buffers", "settings", "wal", "generic_plan", "memory", "serialize":
		default:
			return nil, b.errAt(d.Location, logical.Errorf(errs.ErrInvalidArgument, "unrecognized EXPLAIN option \"%s\"", d.Defname))
		}
	}
	if e.Query == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "EXPLAIN needs a statement")
	}
	inner, err := b.bindStatement(&pg.RawStmt{Stmt: e.Query})
	if err != nil {
		return nil, err
	}
	if inner.root == nil {
		if b.dryRun { // EXPLAIN (DRY_RUN) DELETE ...: the dry-run gate decides (dryrun.go)
			return inner, nil
		}
		return nil, notSupported("EXPLAIN of this statement is not supported")
	}
	if analyze && inner.kind != KindQuery {
		return nil, notSupported("EXPLAIN ANALYZE of this statement is not supported yet")
	}
	return &boundStmt{kind: KindQuery, root: inner.root, explain: true, verbose: verbose, analyze: analyze}, nil
}

func defBool(d *pg.DefElem) bool {
	if d.Arg == nil {
		return true
	}
	switch v := d.Arg.Node.(type) {
	case *pg.Node_String_:
		s := strings.ToLower(v.String_.Sval)
		return s == "true" || s == "on" || s == "1" || s == "yes"
	case *pg.Node_Integer:
		return v.Integer.Ival != 0
	case *pg.Node_Boolean:
		return v.Boolean.Boolval
	case *pg.Node_AConst:
		if bv, ok := v.AConst.Val.(*pg.A_Const_Boolval); ok {
			return bv.Boolval.Boolval
		}
		if iv, ok := v.AConst.Val.(*pg.A_Const_Ival); ok {
			return iv.Ival.Ival != 0
		}
		if sv, ok := v.AConst.Val.(*pg.A_Const_Sval); ok {
			s := strings.ToLower(sv.Sval.Sval)
			return s == "true" || s == "on" || s == "1"
		}
	}
	return true
}

// ---- scope: the columns visible to expressions

type scopeCol struct {
	qual     string
	name     string
	typ      catalog.Type
	nullable bool
	hidden   bool // not visible unqualified nor to * (right-hand column of JOIN USING)
}

type scope struct {
	cols []scopeCol
	star []int // column order for *
}

func scopeOf(s logical.Schema) *scope {
	sc := &scope{}
	for i, f := range s {
		sc.cols = append(sc.cols, scopeCol{qual: f.Qualifier, name: f.Name, typ: f.Type, nullable: f.Nullable})
		sc.star = append(sc.star, i)
	}
	return sc
}

func (s *scope) hasQual(q string) bool {
	for _, c := range s.cols {
		if c.qual == q {
			return true
		}
	}
	return false
}

// resolve finds a column by (optional) qualifier and name.
func (b *binder) resolve(s *scope, qual, name string, loc int32) (*logical.Column, error) {
	if s == nil {
		s = &scope{}
	}
	if qual != "" && !s.hasQual(qual) && !b.outerHasQual(qual) {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "missing FROM-clause entry for table \"%s\"", qual))
	}
	found := -1
	for i, c := range s.cols {
		if c.name != name {
			continue
		}
		if qual == "" && c.hidden {
			continue
		}
		if qual != "" && c.qual != qual {
			continue
		}
		if found >= 0 {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "column reference \"%s\" is ambiguous", name))
		}
		found = i
	}
	if found < 0 && b.outer != nil && s != b.outer {
		if oc, err := b.resolveOuter(qual, name, loc); err == nil {
			return nil, errOuter{oc}
		}
	}
	if found < 0 {
		if qual != "" {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "column %s.%s does not exist", qual, name))
		}
		return nil, b.errAt(loc, logical.Errorf(errs.ErrNotFound, "column \"%s\" does not exist", name))
	}
	c := s.cols[found]
	return &logical.Column{Index: found, Name: c.name, Typ: c.typ, Null: c.nullable, Pos: b.text.charPos(loc)}, nil
}

// errOuter carries a column found in the enclosing query out of resolve.
type errOuter struct{ col *logical.OuterColumn }

func (errOuter) Error() string { return "outer column" }

// resolveOuter finds a column of an enclosing query, the nearest first.
func (b *binder) resolveOuter(qual, name string, loc int32) (*logical.OuterColumn, error) {
	saved, savedOuters := b.outer, b.outers
	b.outer, b.outers = nil, nil
	defer func() { b.outer, b.outers = saved, savedOuters }()
	var err error
	for d, sc := range append([]*scope{saved}, savedOuters...) {
		var c *logical.Column
		if c, err = b.resolve(sc, qual, name, loc); err != nil {
			if errors.Is(err, errs.ErrNotFound) || (qual != "" && !sc.hasQual(qual)) {
				continue
			}
			return nil, err
		}
		b.correlated = true
		b.reach = max(b.reach, d+1)
		return &logical.OuterColumn{Index: c.Index, Name: c.Name, Typ: c.Typ, Null: c.Null, Depth: d}, nil
	}
	return nil, err
}

// outerHasQual reports whether an enclosing query has a table named qual.
func (b *binder) outerHasQual(qual string) bool {
	if b.outer != nil && b.outer.hasQual(qual) {
		return true
	}
	for _, s := range b.outers {
		if s.hasQual(qual) {
			return true
		}
	}
	return false
}

// ---- parameters

func (b *binder) param(n int32, loc int32) (logical.Expr, error) {
	if n < 1 || n > 65535 {
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "there is no parameter $%d", n))
	}
	for len(b.params) < int(n) {
		b.params = append(b.params, catalog.Type{})
	}
	return &logical.Param{Index: int(n - 1), Typ: b.params[n-1]}, nil
}

func (b *binder) paramTypes() []catalog.Type {
	out := make([]catalog.Type, len(b.params))
	for i, t := range b.params {
		if t.Kind == catalog.TypeUnknown {
			t = catalog.Text
		}
		out[i] = t
	}
	return out
}

// substituteParams replaces every Param with its value as a literal of the inferred type.
func (b *binder) substituteParams(root logical.Node) (logical.Node, error) {
	if len(b.params) == 0 {
		return root, nil
	}
	types := b.paramTypes()
	lits := make([]*logical.Literal, len(types))
	for i, t := range types {
		st, v, err := scalarValue(b.paramVals[i])
		if err != nil {
			return nil, err
		}
		if v != nil && !logical.TypesEqual(st, t) {
			if v, err = logical.CastValue(v, st, t); err != nil {
				return nil, err
			}
		}
		lits[i] = &logical.Literal{Typ: t, Value: v}
	}
	return logical.TransformUp(root, func(n logical.Node) (logical.Node, error) {
		return logical.MapExprs(n, func(e logical.Expr) logical.Expr {
			return logical.Transform(e, func(x logical.Expr) logical.Expr {
				if p, ok := x.(*logical.Param); ok {
					l := lits[p.Index]
					if p.Typ.Kind != catalog.TypeUnknown && !logical.TypesEqual(p.Typ, l.Typ) {
						return &logical.Cast{Input: l, To: p.Typ}
					}
					return l
				}
				return x
			})
		}), nil
	})
}

// ---- names

// strVal returns the string of a String node.
func strVal(n *pg.Node) string {
	if n == nil {
		return ""
	}
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

func (b *binder) tableRef(rv *pg.RangeVar) catalog.TableRef {
	schema := rv.Schemaname
	if schema == "" {
		schema = b.sess.Schema
	} else if schema == "pg_temp" && b.sess.TempSchema != "" { // PostgreSQL's alias of the session's own temporary schema
		schema = b.sess.TempSchema
	}
	return catalog.TableRef{Tenant: b.sess.Tenant, Schema: schema, Name: rv.Relname}
}

// existingRef names an existing table: an unqualified name is looked up in the session's
// temporary schema first, then in the current schema.
func (b *binder) existingRef(rv *pg.RangeVar) catalog.TableRef {
	if rv.Schemaname == "" && b.sess.TempSchema != "" {
		tmp := catalog.TableRef{Tenant: b.sess.Tenant, Schema: b.sess.TempSchema, Name: rv.Relname}
		if _, err := b.p.cat.GetTable(b.ctx, tmp); err == nil {
			return tmp
		}
	}
	return b.tableRef(rv)
}

func relName(rv *pg.RangeVar) string {
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}
