package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
)

// sysviews.go: INFORMATION_SCHEMA and the pg_catalog relations that BI tools and drivers
// probe (DBeaver's navigator, psql-style queries), answered as constant relations built from
// the catalog of the session's tenant when the statement is planned. Only the caller's tenant
// is ever listed.
//
// information_schema: schemata, tables, columns, partitions (Tern: one row per partition of a
// partitioned native table, with files, rows and bytes).
// pg_catalog: pg_namespace, pg_class, pg_attribute, pg_type, pg_database, pg_tables, pg_views,
// pg_settings. pg_* names also resolve unqualified, as in PostgreSQL.

const (
	oidTableBase   = 16384
	oidSchemaBase  = 2200 // public is 2200 in PostgreSQL
	oidPgCatalog   = 11
	oidInfoSchema  = 13000
	oidDatabase    = 1
	sysPartitionsV = "partitions"
)

type sysView struct {
	fields logical.Schema
	rows   func(b *binder) ([][]logical.Expr, error)
}

func txt(name string) logical.Field {
	return logical.Field{Name: name, Type: catalog.Text, Nullable: true}
}
func i64(name string) logical.Field {
	return logical.Field{Name: name, Type: catalog.Int64, Nullable: true}
}
func i32f(name string) logical.Field {
	return logical.Field{Name: name, Type: catalog.Int32, Nullable: true}
}
func boolf(name string) logical.Field {
	return logical.Field{Name: name, Type: catalog.Bool, Nullable: true}
}

func lit(t catalog.Type, v any) logical.Expr {
	switch x := v.(type) {
	case int:
		v = int64(x)
	case uint64:
		v = int64(x)
	case int32:
		v = int64(x)
	}
	return &logical.Literal{Typ: t, Value: v}
}
func ltxt(s string) logical.Expr { return lit(catalog.Text, s) }
func lnull(t catalog.Type) logical.Expr {
	return &logical.Literal{Typ: t}
}

var sysViews = map[string]map[string]sysView{
	"information_schema": {
		"schemata": {logical.Schema{txt("catalog_name"), txt("schema_name"), txt("schema_owner"), txt("default_character_set_catalog"),
			txt("default_character_set_schema"), txt("default_character_set_name"), txt("sql_path")}, (*binder).rowsSchemata},
		"tables":  {infoTablesFields, (*binder).rowsTables},
		"views":   {infoViewsFields, (*binder).rowsInfoViews},
		"columns": {infoColumnsFields, (*binder).rowsColumns},
		sysPartitionsV: {logical.Schema{txt("table_catalog"), txt("table_schema"), txt("table_name"), txt("partition_expression"),
			txt("partition_key"), i64("files"), i64("row_count"), i64("bytes")}, (*binder).rowsPartitions},
	},
	"pg_catalog": {
		"pg_namespace": {logical.Schema{i64("oid"), txt("nspname"), i64("nspowner")}, (*binder).rowsNamespace},
		"pg_class": {logical.Schema{i64("oid"), txt("relname"), i64("relnamespace"), txt("relkind"), i64("relowner"),
			logical.Field{Name: "reltuples", Type: catalog.Float32, Nullable: true}, i32f("relpages"), i32f("relnatts"), boolf("relhasindex"),
			txt("relpersistence"), boolf("relispartition"), boolf("relhasrules"), boolf("relhastriggers"), boolf("relrowsecurity")}, (*binder).rowsClass},
		"pg_attribute": {logical.Schema{i64("attrelid"), txt("attname"), i64("atttypid"), i32f("attnum"), i32f("attlen"),
			i32f("atttypmod"), boolf("attnotnull"), boolf("attisdropped"), boolf("atthasdef")}, (*binder).rowsAttribute},
		"pg_type": {logical.Schema{i64("oid"), txt("typname"), i64("typnamespace"), i32f("typlen"), txt("typtype"),
			boolf("typbyval"), txt("typcategory"), i64("typelem"), i64("typrelid"), i64("typbasetype"), i32f("typtypmod"),
			boolf("typnotnull")}, (*binder).rowsType},
		"pg_database": {logical.Schema{i64("oid"), txt("datname"), i64("datdba"), txt("encoding")}, (*binder).rowsDatabase},
		"pg_tables": {logical.Schema{txt("schemaname"), txt("tablename"), txt("tableowner"), txt("tablespace"), boolf("hasindexes"),
			boolf("hasrules"), boolf("hastriggers"), boolf("rowsecurity")}, (*binder).rowsPgTables},
		"pg_views":    {logical.Schema{txt("schemaname"), txt("viewname"), txt("viewowner"), txt("definition")}, (*binder).rowsPgViews},
		"pg_settings": {logical.Schema{txt("name"), txt("setting"), txt("short_desc")}, (*binder).rowsSettings},
	},
}

// systemView binds a system relation; ok is false for any other name.
func (b *binder) systemView(rv *pg.RangeVar) (logical.Node, *scope, bool, error) {
	schema := strings.ToLower(rv.Schemaname)
	name := strings.ToLower(rv.Relname)
	if schema == "" {
		if !strings.HasPrefix(name, "pg_") {
			return nil, nil, false, nil
		}
		schema = "pg_catalog"
	}
	views, ok := sysViews[schema]
	if !ok {
		return nil, nil, false, nil
	}
	v, ok := views[name]
	if !ok {
		return nil, nil, false, nil
	}
	rows, err := v.rows(b)
	if err != nil {
		return nil, nil, true, err
	}
	qual := rv.Relname
	if rv.Alias != nil && rv.Alias.Aliasname != "" {
		qual = rv.Alias.Aliasname
	}
	n, sc, err := b.virtualRows(v.fields, rows, qual, rv.Alias)
	return n, sc, true, err
}

func (b *binder) schemas() ([]string, error) { return b.p.cat.ListSchemas(b.ctx, b.sess.Tenant) }

func (b *binder) tables() ([]catalog.Table, error) {
	return b.p.cat.ListTables(b.ctx, b.sess.Tenant, "")
}

func (b *binder) schemaOID(name string) int64 {
	ss, _ := b.schemas()
	for i, s := range ss {
		if s == name {
			if s == catalog.DefaultSchema {
				return oidSchemaBase
			}
			return oidSchemaBase + 1 + int64(i)
		}
	}
	return 0
}

func (b *binder) rowsSchemata() ([][]logical.Expr, error) {
	ss, err := b.schemas()
	if err != nil {
		return nil, err
	}
	ss = append(ss, "information_schema", "pg_catalog")
	var rows [][]logical.Expr
	for _, s := range ss {
		rows = append(rows, []logical.Expr{ltxt(catalog.CatalogName), ltxt(s), ltxt(b.sess.User),
			lnull(catalog.Text), lnull(catalog.Text), lnull(catalog.Text), lnull(catalog.Text)})
	}
	return rows, nil
}

func (b *binder) rowsTables() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		rows = append(rows, infoTablesRow(t))
	}
	return rows, nil
}

func (b *binder) rowsColumns() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		for i, c := range t.Columns {
			rows = append(rows, infoColumnsRow(t, i, c))
		}
	}
	return rows, nil
}

// dataTypeName is information_schema's data_type (no modifiers).
func dataTypeName(t catalog.Type) string {
	switch t.Kind {
	case catalog.TypeText:
		if t.IsChar() {
			return "character"
		}
		if t.Precision > 0 {
			return "character varying"
		}
		return "text"
	case catalog.TypeNumeric:
		return "numeric"
	case catalog.TypeArray:
		return "ARRAY"
	}
	return t.String()
}

func (b *binder) rowsPartitions() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	df, _ := b.p.tables.(TableDataFiles)
	var rows [][]logical.Expr
	for _, t := range ts {
		layout, err := prune.ParseLayout(t)
		if err != nil || layout.Partition == nil || t.CurrentSnapshot == catalog.NoSnapshot || df == nil || b.prepare {
			continue
		}
		files, err := df.SnapshotDataFiles(b.ctx, t, t.CurrentSnapshot)
		if err != nil {
			return nil, err
		}
		type agg struct{ files, rows, bytes int64 }
		parts := map[string]*agg{}
		var keys []string
		for _, f := range files {
			a := parts[f.Partition]
			if a == nil {
				a = &agg{}
				parts[f.Partition] = a
				keys = append(keys, f.Partition)
			}
			a.files++
			a.rows += f.Rows
			a.bytes += f.Bytes
		}
		for _, k := range keys {
			a := parts[k]
			rows = append(rows, []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name),
				ltxt(layout.Partition.String()), ltxt(layout.Partition.Display(k)),
				lit(catalog.Int64, a.files), lit(catalog.Int64, a.rows), lit(catalog.Int64, a.bytes)})
		}
	}
	return rows, nil
}

func (b *binder) rowsNamespace() ([][]logical.Expr, error) {
	ss, err := b.schemas()
	if err != nil {
		return nil, err
	}
	rows := [][]logical.Expr{
		{lit(catalog.Int64, oidPgCatalog), ltxt("pg_catalog"), lit(catalog.Int64, 10)},
		{lit(catalog.Int64, oidInfoSchema), ltxt("information_schema"), lit(catalog.Int64, 10)},
	}
	for _, s := range ss {
		rows = append(rows, []logical.Expr{lit(catalog.Int64, b.schemaOID(s)), ltxt(s), lit(catalog.Int64, 10)})
	}
	return rows, nil
}

func (b *binder) rowsClass() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		var tuples float64 = -1
		if t.CurrentSnapshot == catalog.NoSnapshot {
			tuples = 0
		} else if snap, err := b.p.cat.Snapshot(b.ctx, t.ID, t.CurrentSnapshot); err == nil {
			tuples = float64(snap.Rows())
		}
		kind, persistence := "r", "p"
		if IsView(t) {
			kind, tuples = "v", -1
		} else if t.IsForeign() {
			kind, tuples = "f", -1
		}
		if isTempSchemaName(t.Ref.Schema) {
			persistence = "t"
		}
		rows = append(rows, []logical.Expr{lit(catalog.Int64, oidTableBase+int64(t.ID)), ltxt(t.Ref.Name),
			lit(catalog.Int64, b.schemaOID(t.Ref.Schema)), ltxt(kind), lit(catalog.Int64, 10),
			lit(catalog.Float32, tuples), lit(catalog.Int32, 0), lit(catalog.Int32, len(t.Columns)), lit(catalog.Bool, false),
			// a view has its _RETURN rule in PostgreSQL: relhasrules
			ltxt(persistence), lit(catalog.Bool, false), lit(catalog.Bool, IsView(t)), lit(catalog.Bool, false), lit(catalog.Bool, false)})
	}
	return rows, nil
}

// arrayTypeOIDs are PostgreSQL's OIDs of the array types of Tern's types, by element kind.
var arrayTypeOIDs = map[catalog.TypeKind]int64{
	catalog.TypeBool: 1000, catalog.TypeInt16: 1005, catalog.TypeInt32: 1007, catalog.TypeInt64: 1016,
	catalog.TypeFloat32: 1021, catalog.TypeFloat64: 1022, catalog.TypeNumeric: 1231, catalog.TypeText: 1009,
	catalog.TypeDate: 1182, catalog.TypeTimestamp: 1115, catalog.TypeTimestampTZ: 1185, catalog.TypeInterval: 1187,
}

// typeOIDs are PostgreSQL's OIDs of Tern's types.
var typeOIDs = []struct {
	kind catalog.TypeKind
	oid  int64
	name string
	len  int64
}{
	{catalog.TypeBool, 16, "bool", 1}, {catalog.TypeInt16, 21, "int2", 2}, {catalog.TypeInt32, 23, "int4", 4},
	{catalog.TypeInt64, 20, "int8", 8}, {catalog.TypeFloat32, 700, "float4", 4}, {catalog.TypeFloat64, 701, "float8", 8},
	{catalog.TypeNumeric, 1700, "numeric", -1}, {catalog.TypeText, 25, "text", -1}, {catalog.TypeDate, 1082, "date", 4},
	{catalog.TypeTimestamp, 1114, "timestamp", 8}, {catalog.TypeTimestampTZ, 1184, "timestamptz", 8},
	{catalog.TypeInterval, 1186, "interval", 16},
}

func typeOID(t catalog.Type) (int64, int64) {
	if t.IsChar() {
		return 1042, -1 // bpchar
	}
	if t.Kind == catalog.TypeText && t.Precision > 0 {
		return 1043, -1 // varchar
	}
	if t.IsArray() {
		// PostgreSQL's array types (_int4, ...): variable length
		et := t.ElemType()
		if et.Kind == catalog.TypeText && et.Precision > 0 {
			return 1015, -1
		}
		return arrayTypeOIDs[et.Kind], -1
	}
	for _, x := range typeOIDs {
		if x.kind == t.Kind {
			return x.oid, x.len
		}
	}
	return 0, -1
}

func (b *binder) rowsAttribute() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		for i, c := range t.Columns {
			oid, l := typeOID(c.Type)
			mod := int64(-1)
			switch {
			case c.Type.Kind == catalog.TypeNumeric:
				mod = int64(c.Type.Precision)<<16 | int64(c.Type.Scale) + 4
			case c.Type.Kind == catalog.TypeText && c.Type.Precision > 0:
				mod = int64(c.Type.Precision) + 4
			}
			rows = append(rows, []logical.Expr{lit(catalog.Int64, oidTableBase+int64(t.ID)), ltxt(c.Name), lit(catalog.Int64, oid),
				lit(catalog.Int32, i+1), lit(catalog.Int32, l), lit(catalog.Int32, mod), lit(catalog.Bool, !columnNullable(t, c)),
				lit(catalog.Bool, false), lit(catalog.Bool, false)})
		}
	}
	return rows, nil
}

func (b *binder) rowsType() ([][]logical.Expr, error) {
	var rows [][]logical.Expr
	for _, x := range typeOIDs {
		rows = append(rows, pgTypeRow(x.oid, x.name, x.len))
	}
	rows = append(rows, pgTypeRow(1043, "varchar", -1))
	return rows, nil
}

func (b *binder) rowsDatabase() ([][]logical.Expr, error) {
	return [][]logical.Expr{{lit(catalog.Int64, oidDatabase), ltxt(catalog.CatalogName), lit(catalog.Int64, 10), ltxt("UTF8")}}, nil
}

func (b *binder) rowsPgTables() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		if IsView(t) {
			continue // pg_views
		}
		rows = append(rows, []logical.Expr{ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(b.sess.User), lnull(catalog.Text),
			lit(catalog.Bool, false), lit(catalog.Bool, false), lit(catalog.Bool, false), lit(catalog.Bool, false)})
	}
	return rows, nil
}
