package planner

import (
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// sysviews_meta.go: what information_schema and pg_catalog say about tables and views, as
// PostgreSQL 15 says it for the same objects (testdata/slt/catalog_*.slt pin it). Where
// Tern differs on purpose it says Tern's truth: views are never updatable or insertable
// (PostgreSQL's simple views are), and the catalog is "tern", not the database's name.

// IsView reports whether a catalog entry is a view (CREATE VIEW) rather than a table.
func IsView(t catalog.Table) bool {
	_, ok := t.Options[viewOption]
	return ok
}

// ViewDefinition is a view's query (the SELECT of its CREATE VIEW) as PostgreSQL's deparser
// prints it; the stored statement's text when it cannot be deparsed.
func ViewDefinition(t catalog.Table) string {
	raw := t.Options[viewOption]
	tree, err := pg.Parse(raw)
	if err != nil || len(tree.Stmts) != 1 {
		return raw
	}
	vs := tree.Stmts[0].Stmt.GetViewStmt()
	if vs == nil || vs.Query == nil {
		return raw
	}
	q, err := pg.Deparse(&pg.ParseResult{Stmts: []*pg.RawStmt{{Stmt: vs.Query}}})
	if err != nil {
		return raw
	}
	return q
}

// tempSchemaPrefix names the per-session schemas of temporary tables (gateway/session.go).
const tempSchemaPrefix = "pg_temp_"

func isTempSchemaName(s string) bool { return strings.HasPrefix(s, tempSchemaPrefix) }

// columnNullable is the column's nullability as catalogs report it: a view's columns are
// always nullable in PostgreSQL (no constraint is carried through a view's query).
func columnNullable(t catalog.Table, c catalog.Column) bool {
	return c.Nullable || IsView(t)
}

func yesNo(b bool) logical.Expr {
	if b {
		return ltxt("YES")
	}
	return ltxt("NO")
}

var infoTablesFields = logical.Schema{txt("table_catalog"), txt("table_schema"), txt("table_name"), txt("table_type"),
	txt("self_referencing_column_name"), txt("reference_generation"), txt("user_defined_type_catalog"),
	txt("user_defined_type_schema"), txt("user_defined_type_name"), txt("is_insertable_into"), txt("is_typed"),
	txt("commit_action")}

// TableType is a relation's information_schema.tables table_type: BASE TABLE, VIEW,
// FOREIGN or LOCAL TEMPORARY.
func TableType(t catalog.Table) string {
	switch {
	case IsView(t):
		return "VIEW"
	case t.IsForeign():
		return "FOREIGN"
	case isTempSchemaName(t.Ref.Schema):
		return "LOCAL TEMPORARY"
	}
	return "BASE TABLE"
}

func infoTablesRow(t catalog.Table) []logical.Expr {
	commit := lnull(catalog.Text)
	if isTempSchemaName(t.Ref.Schema) {
		commit = ltxt("PRESERVE")
	}
	return []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(TableType(t)),
		lnull(catalog.Text), lnull(catalog.Text), lnull(catalog.Text), lnull(catalog.Text), lnull(catalog.Text),
		yesNo(!IsView(t)), ltxt("NO"), commit}
}

var infoViewsFields = logical.Schema{txt("table_catalog"), txt("table_schema"), txt("table_name"), txt("view_definition"),
	txt("check_option"), txt("is_updatable"), txt("is_insertable_into"), txt("is_trigger_updatable"),
	txt("is_trigger_deletable"), txt("is_trigger_insertable_into")}

// viewRows is one row per view of the tenant.
func (b *binder) viewRows(row func(t catalog.Table) []logical.Expr) ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		if IsView(t) {
			rows = append(rows, row(t))
		}
	}
	return rows, nil
}

func (b *binder) rowsInfoViews() ([][]logical.Expr, error) {
	return b.viewRows(func(t catalog.Table) []logical.Expr {
		return []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name),
			ltxt(ViewDefinition(t)), ltxt("NONE"), ltxt("NO"), ltxt("NO"), ltxt("NO"), ltxt("NO"), ltxt("NO")}
	})
}

func (b *binder) rowsPgViews() ([][]logical.Expr, error) {
	return b.viewRows(func(t catalog.Table) []logical.Expr {
		return []logical.Expr{ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(b.sess.User), ltxt(ViewDefinition(t))}
	})
}

// information_schema.columns has PostgreSQL's 44 columns in PostgreSQL's order.
var infoColumnsFields = func() logical.Schema {
	ints := map[string]bool{"ordinal_position": true, "character_maximum_length": true, "character_octet_length": true,
		"numeric_precision": true, "numeric_precision_radix": true, "numeric_scale": true, "datetime_precision": true,
		"interval_precision": true, "maximum_cardinality": true}
	var out logical.Schema
	for _, n := range strings.Split("table_catalog,table_schema,table_name,column_name,ordinal_position,column_default,"+
		"is_nullable,data_type,character_maximum_length,character_octet_length,numeric_precision,numeric_precision_radix,"+
		"numeric_scale,datetime_precision,interval_type,interval_precision,character_set_catalog,character_set_schema,"+
		"character_set_name,collation_catalog,collation_schema,collation_name,domain_catalog,domain_schema,domain_name,"+
		"udt_catalog,udt_schema,udt_name,scope_catalog,scope_schema,scope_name,maximum_cardinality,dtd_identifier,"+
		"is_self_referencing,is_identity,identity_generation,identity_start,identity_increment,identity_maximum,"+
		"identity_minimum,identity_cycle,is_generated,generation_expression,is_updatable", ",") {
		if ints[n] {
			out = append(out, i32f(n))
		} else {
			out = append(out, txt(n))
		}
	}
	return out
}()

// maxTextOctets is PostgreSQL's character_octet_length of text (1 GB).
const maxTextOctets = 1 << 30

func infoColumnsRow(t catalog.Table, i int, c catalog.Column) []logical.Expr {
	n32 := func() logical.Expr { return lnull(catalog.Int32) }
	i32 := func(v int64) logical.Expr { return lit(catalog.Int32, v) }
	charLen, octets, prec, radix, scale, dtPrec := n32(), n32(), n32(), n32(), n32(), n32()
	switch c.Type.Kind {
	case catalog.TypeText:
		octets = i32(maxTextOctets)
		if c.Type.Precision > 0 {
			// at most 4 bytes per character in UTF-8
			charLen, octets = i32(int64(c.Type.Precision)), i32(4*int64(c.Type.Precision))
		}
	case catalog.TypeNumeric:
		prec, radix, scale = i32(int64(c.Type.Precision)), i32(10), i32(int64(c.Type.Scale))
	case catalog.TypeInt16:
		prec, radix, scale = i32(16), i32(2), i32(0)
	case catalog.TypeInt32:
		prec, radix, scale = i32(32), i32(2), i32(0)
	case catalog.TypeInt64:
		prec, radix, scale = i32(64), i32(2), i32(0)
	case catalog.TypeFloat32:
		prec, radix = i32(24), i32(2)
	case catalog.TypeFloat64:
		prec, radix = i32(53), i32(2)
	case catalog.TypeDate:
		dtPrec = i32(0)
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ, catalog.TypeInterval:
		dtPrec = i32(6)
	}
	udt := ""
	for _, x := range typeOIDs {
		if x.kind == c.Type.Kind {
			udt = x.name
		}
	}
	if c.Type.Kind == catalog.TypeText && c.Type.Precision > 0 {
		udt = "varchar"
	}
	if c.Type.IsChar() {
		udt = "bpchar"
	}
	if c.Type.IsArray() {
		// PostgreSQL names an array type after its element type with a leading underscore
		et := c.Type.ElemType()
		for _, x := range typeOIDs {
			if x.kind == et.Kind {
				udt = "_" + x.name
			}
		}
		if et.Kind == catalog.TypeText && et.Precision > 0 {
			udt = "_varchar"
		}
	}
	nt := func() logical.Expr { return lnull(catalog.Text) }
	return []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(c.Name),
		i32(int64(i + 1)), columnDefault(c), yesNo(columnNullable(t, c)), ltxt(dataTypeName(c.Type)),
		charLen, octets, prec, radix, scale, dtPrec, nt(), n32(),
		nt(), nt(), nt(), nt(), nt(), nt(), nt(), nt(), nt(), // character set, collation, domain
		ltxt(catalog.CatalogName), ltxt("pg_catalog"), ltxt(udt),
		nt(), nt(), nt(), n32(), ltxt(strconv.Itoa(i + 1)),
		ltxt("NO"), ltxt("NO"), nt(), nt(), nt(), nt(), nt(), ltxt("NO"), ltxt("NEVER"), nt(), yesNo(!IsView(t))}
}

// pgTypeRow is a base type's pg_type row: passed by value when fixed-size and at most 8 bytes
// (interval's 16 are not), PostgreSQL's type category, no element, relation or base type.
func pgTypeRow(oid int64, name string, size int64) []logical.Expr {
	category := map[string]string{"bool": "B", "text": "S", "varchar": "S", "date": "D", "timestamp": "D",
		"timestamptz": "D", "interval": "T"}[name]
	if category == "" {
		category = "N"
	}
	return []logical.Expr{lit(catalog.Int64, oid), ltxt(name), lit(catalog.Int64, oidPgCatalog), lit(catalog.Int32, size), ltxt("b"),
		lit(catalog.Bool, size > 0 && size <= 8), ltxt(category), lit(catalog.Int64, 0), lit(catalog.Int64, 0),
		lit(catalog.Int64, 0), lit(catalog.Int32, -1), lit(catalog.Bool, false)}
}
