package planner

import (
	"errors"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

func (b *binder) createRef(rv *pg.RangeVar) (catalog.TableRef, error) {
	if rv.Relpersistence == "t" {
		return b.tempRef(rv) // temp.go
	}
	return b.tableRef(rv), nil
}

func (b *binder) bindCreateTable(cs *pg.CreateStmt) (*boundStmt, error) {
	if len(cs.InhRelations) > 0 || cs.Partbound != nil || cs.OfTypename != nil {
		return nil, notSupported("table inheritance and partitions are not supported yet")
	}
	ref, err := b.createRef(cs.Relation)
	if err != nil {
		return nil, err
	}
	t := catalog.Table{Ref: ref}
	seen := map[string]bool{}
	var colCons [][]*pg.Constraint
	var tableCons []*pg.Constraint
	for _, el := range cs.TableElts {
		cd := el.GetColumnDef()
		if cd == nil {
			if c := el.GetConstraint(); c != nil {
				tableCons = append(tableCons, c)
				continue
			}
			return nil, notSupported("this table element is not supported yet")
		}
		if seen[cd.Colname] {
			return nil, b.errAt(cd.Location, logical.Errorf(errs.ErrAlreadyExists, "column \"%s\" specified more than once", cd.Colname))
		}
		seen[cd.Colname] = true
		typ, err := b.typeFromName(cd.TypeName)
		if err != nil {
			return nil, err
		}
		t.Columns = append(t.Columns, catalog.Column{Name: cd.Colname, Type: typ, Nullable: !cd.IsNotNull})
		var cons []*pg.Constraint
		for _, cn := range cd.Constraints {
			if c := cn.GetConstraint(); c != nil {
				cons = append(cons, c)
			}
		}
		colCons = append(colCons, cons)
	}
	// constraints once every column is known (a table constraint may name any of them)
	cb := &constraintBuilder{b: b, t: &t} // bind_constraints.go
	for i, cons := range colCons {
		for _, c := range cons {
			if err := cb.columnConstraint(i, c); err != nil {
				return nil, err
			}
		}
	}
	for _, c := range tableCons {
		if err := cb.tableConstraint(c); err != nil {
			return nil, err
		}
	}
	opts, err := b.options(cs.Options)
	if err != nil {
		return nil, err
	}
	t.Options = opts
	if err := b.bindPartitionBy(cs.Partspec, &t); err != nil { // partition.go
		return nil, err
	}
	ine := cs.IfNotExists
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) {
		return &CreateTable{Table: t, IfNotExists: ine}, nil
	}}, nil
}

// options turns WITH (...) into storage options.
func (b *binder) options(defs []*pg.Node) (map[string]string, error) {
	if len(defs) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, d := range defs {
		de := d.GetDefElem()
		if de == nil {
			continue
		}
		out[strings.ToLower(de.Defname)] = defString(de.Arg)
	}
	return out, nil
}

// defString renders a DefElem argument as text.
func defString(n *pg.Node) string {
	if n == nil {
		return "true"
	}
	switch v := n.Node.(type) {
	case *pg.Node_String_:
		return v.String_.Sval
	case *pg.Node_Integer:
		return itoa(int64(v.Integer.Ival))
	case *pg.Node_Float:
		return v.Float.Fval
	case *pg.Node_Boolean:
		if v.Boolean.Boolval {
			return "true"
		}
		return "false"
	case *pg.Node_TypeName:
		return lowerName(v.TypeName.Names)
	case *pg.Node_List:
		parts := make([]string, len(v.List.Items))
		for i, it := range v.List.Items {
			parts[i] = defString(it)
		}
		return strings.Join(parts, ",")
	case *pg.Node_AConst:
		return constString(v.AConst)
	case *pg.Node_ColumnRef:
		parts := make([]string, len(v.ColumnRef.Fields))
		for i, f := range v.ColumnRef.Fields {
			parts[i] = strVal(f)
		}
		return strings.Join(parts, ".")
	}
	return ""
}

func constString(c *pg.A_Const) string {
	switch v := c.Val.(type) {
	case *pg.A_Const_Ival:
		return itoa(int64(v.Ival.Ival))
	case *pg.A_Const_Fval:
		return v.Fval.Fval
	case *pg.A_Const_Sval:
		return v.Sval.Sval
	case *pg.A_Const_Boolval:
		if v.Boolval.Boolval {
			return "true"
		}
		return "false"
	}
	return ""
}

func itoa(i int64) string {
	return strings.TrimSpace(strings.Replace(logical.FormatValue(catalog.Int64, i), "'", "", -1))
}

func (b *binder) bindCreateTableAs(cs *pg.CreateTableAsStmt) (*boundStmt, error) {
	if cs.Objtype != pg.ObjectType_OBJECT_TABLE {
		return nil, notSupported("CREATE MATERIALIZED VIEW is not supported yet")
	}
	if cs.Into == nil || cs.Into.Rel == nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "CREATE TABLE AS needs a table name")
	}
	if cs.Into.SkipData {
		return nil, notSupported("WITH NO DATA is not supported yet")
	}
	sel := cs.Query.GetSelectStmt()
	if sel == nil {
		return nil, notSupported("CREATE TABLE AS needs a SELECT")
	}
	ref, err := b.createRef(cs.Into.Rel)
	if err != nil {
		return nil, err
	}
	root, err := b.bindQuery(sel)
	if err != nil {
		return nil, err
	}
	sch := root.Schema()
	if len(cs.Into.ColNames) > len(sch) {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "too many column names were specified")
	}
	t := catalog.Table{Ref: ref}
	seen := map[string]bool{}
	for i, f := range sch {
		name := f.Name
		if i < len(cs.Into.ColNames) {
			name = strVal(cs.Into.ColNames[i])
		}
		if seen[name] {
			return nil, logical.Errorf(errs.ErrAlreadyExists, "column \"%s\" specified more than once", name)
		}
		seen[name] = true
		typ := f.Type
		if isUnknown(typ) {
			typ = catalog.Text
		}
		t.Columns = append(t.Columns, catalog.Column{Name: name, Type: typ, Nullable: true})
	}
	if t.Options, err = b.options(cs.Into.Options); err != nil {
		return nil, err
	}
	// the query's output must match the columns exactly: rename through a projection
	root = renameTo(root, t.Columns)
	ine := cs.IfNotExists
	return &boundStmt{kind: KindUpdate, root: root, schema: tableSchema(t.Columns), build: func(q *Query, _ logical.Node) (Statement, error) {
		return &CreateTable{Table: t, IfNotExists: ine, As: q}, nil
	}}, nil
}

// renameTo projects root's columns under the names of cols.
func renameTo(root logical.Node, cols []catalog.Column) logical.Node {
	sch := root.Schema()
	exprs := make([]logical.Expr, len(sch))
	names := make([]string, len(sch))
	for i, f := range sch {
		exprs[i] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: f.Nullable}
		names[i] = cols[i].Name
	}
	return &logical.Project{Input: root, Exprs: exprs, Names: names}
}

func (b *binder) bindDrop(ds *pg.DropStmt) (*boundStmt, error) {
	kind := "table"
	switch ds.RemoveType {
	case pg.ObjectType_OBJECT_SCHEMA:
		return b.bindDropSchema(ds) // bind_schema.go
	case pg.ObjectType_OBJECT_INDEX:
		return b.bindDropIndex(ds) // bind_schema.go
	case pg.ObjectType_OBJECT_TABLE:
	case pg.ObjectType_OBJECT_VIEW:
		kind = "view"
	case pg.ObjectType_OBJECT_FOREIGN_TABLE:
		kind = "foreign table"
	case pg.ObjectType_OBJECT_FOREIGN_SERVER:
		return b.bindDropServer(ds) // bind_foreign.go
	default:
		return nil, notSupported("only DROP TABLE, VIEW, SCHEMA and INDEX are supported")
	}
	if ds.Behavior == pg.DropBehavior_DROP_CASCADE {
		return nil, notSupported("DROP ... CASCADE is not supported yet")
	}
	var refs []catalog.TableRef
	var first catalog.TableRef
	for i, o := range ds.Objects {
		l := o.GetList()
		if l == nil || len(l.Items) == 0 || len(l.Items) > 3 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "improper table name")
		}
		var parts []string
		for _, it := range l.Items {
			parts = append(parts, strVal(it))
		}
		rv := &pg.RangeVar{Relname: parts[len(parts)-1], Location: -1}
		if len(parts) >= 2 {
			rv.Schemaname = parts[len(parts)-2]
		}
		ref := b.existingRef(rv)
		if i == 0 {
			first = ref
		}
		// PostgreSQL checks every name before dropping anything
		t, err := b.p.cat.GetTable(b.ctx, ref)
		if err != nil {
			if !errors.Is(err, errs.ErrNotFound) {
				return nil, err
			}
			if ds.MissingOk {
				continue
			}
			return nil, logical.Errorf(errs.ErrNotFound, "%s \"%s\" does not exist", kind, relName(rv))
		}
		if _, isView := t.Options[viewOption]; isView != (kind == "view") || t.IsForeign() != (kind == "foreign table") {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "\"%s\" is not a %s", relName(rv), kind)
		}
		if err := b.checkNotReferenced(t, ds.Objects); err != nil { // bind_constraints.go
			return nil, err
		}
		refs = append(refs, ref)
	}
	st := &DropTable{IfExists: ds.MissingOk}
	if len(refs) == 0 {
		// nothing to drop (IF EXISTS): dropping a missing table with IfExists does nothing
		st.Ref = first
	} else {
		st.Ref, st.Also = refs[0], refs[1:]
	}
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) {
		return st, nil
	}}, nil
}
