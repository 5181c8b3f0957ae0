package planner

import (
	"fmt"
	"path/filepath"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_copy.go: COPY ... FROM and COPY ... TO files.
//
// COPY t FROM 'path' [(FORMAT parquet|csv|json, HEADER, DELIMITER 'c', MATCH_BY_NAME b)]
//
//   - path may be a glob (bind_files.go); FORMAT defaults from the extension (.parquet,
//     .csv, .json/.jsonl/.ndjson).
//   - Columns are matched BY NAME for Parquet, JSON and CSV with HEADER: a file column with
//     the exact name of a table column, else the one table column whose name equals it
//     ignoring case (unquoted identifiers fold to lower case, so a file's "ID" is column id;
//     with two table columns differing only in case the exact name is needed). A file column
//     that matches no table column is an error naming it; a table column missing from the
//     file is NULL when nullable (defaults are not applied), else an error naming it.
//   - Positional loading only when asked for: COPY t (a, b) FROM ... takes the file's columns
//     in order into a, b (others NULL); MATCH_BY_NAME false maps the file's columns onto all
//     the table's columns in order. CSV without HEADER has no names and is positional.
//   - Values are converted to the columns' types by the runner, which names the row (1-based,
//     data rows across the matched files) and column of a value that does not fit (too long
//     for VARCHAR(n), out of range, NULL into NOT NULL); CSV syntax errors (a bad date) name
//     the file, line and column. Nothing is committed when any value fails.
//
// COPY t TO 'path' / COPY (query) TO 'path' [(FORMAT parquet|csv, HEADER, DELIMITER 'c')]
// writes the rows to a file in an allowed directory (CopyTo).

// CopyTo writes Source's rows to Path (absolute, checked against the allowed directories):
// into a temporary file in the same directory, renamed over Path when complete.
type CopyTo struct {
	Source    *Query
	Path      string
	Format    string // "parquet" or "csv"
	Header    bool   // CSV: a first line with the column names
	Delimiter rune   // CSV
}

func (*CopyTo) statement() {}

// FileWriteAccess is an optional capability of FileAccess: the paths COPY ... TO may write.
type FileWriteAccess interface {
	CheckWrite(path string) (abs string, err error)
}

type copyOptions struct {
	format      string
	header      bool
	delim       string
	matchByName *bool
}

func (b *binder) copyOptions(cs *pg.CopyStmt) (copyOptions, error) {
	o := copyOptions{}
	for _, n := range cs.Options {
		d := n.GetDefElem()
		if d == nil {
			continue
		}
		switch strings.ToLower(d.Defname) {
		case "format":
			o.format = strings.ToLower(defString(d.Arg))
		case "header":
			// HEADER MATCH (PostgreSQL 15: check the names) is what Tern does with any header
			o.header = defBool(d) || strings.EqualFold(defString(d.Arg), "match")
		case "delimiter":
			o.delim = defString(d.Arg)
			if len([]rune(o.delim)) != 1 {
				return o, b.errAt(d.Location, logical.Errorf(errs.ErrInvalidArgument, "COPY delimiter must be a single one-byte character"))
			}
		case "match_by_name":
			v := defBool(d)
			o.matchByName = &v
		default:
			return o, b.errAt(d.Location, notSupported("COPY option \"%s\" is not supported yet", d.Defname))
		}
	}
	if o.format == "" {
		switch strings.ToLower(filepath.Ext(cs.Filename)) {
		case ".parquet", ".pq":
			o.format = "parquet"
		case ".csv", ".tsv", ".txt":
			o.format = "csv"
		case ".json", ".jsonl", ".ndjson":
			o.format = "json"
		default:
			return o, logical.Errorf(errs.ErrInvalidArgument, "COPY needs (FORMAT parquet|csv|json) for \"%s\"", cs.Filename)
		}
	}
	if o.delim == "" {
		o.delim = ","
		if strings.EqualFold(filepath.Ext(cs.Filename), ".tsv") {
			o.delim = "\t"
		}
	}
	return o, nil
}

func (b *binder) bindCopy(cs *pg.CopyStmt) (*boundStmt, error) {
	if cs.IsProgram || cs.Filename == "" {
		return nil, notSupported("COPY to or from PROGRAM/STDIN/STDOUT is not supported; name a file")
	}
	if !cs.IsFrom {
		return b.bindCopyTo(cs)
	}
	if cs.Relation == nil || cs.Query != nil {
		return nil, notSupported("COPY FROM needs a table")
	}
	if cs.WhereClause != nil {
		return nil, notSupported("COPY FROM with WHERE is not supported yet")
	}
	t, err := b.lookupTable(cs.Relation)
	if err != nil {
		return nil, err
	}
	if err := b.refuseForeignWrite(t, "copy into", cs.Relation.Location); err != nil { // bind_foreign_table.go
		return nil, err
	}
	if _, ok := t.Options[viewOption]; ok {
		return nil, b.errAt(cs.Relation.Location, notSupported("cannot copy to view \"%s\"", t.Ref.Name))
	}
	o, err := b.copyOptions(cs)
	if err != nil {
		return nil, err
	}
	kind, ok := map[string]files.Format{"parquet": files.Parquet, "csv": files.CSV, "json": files.JSON}[o.format]
	if !ok {
		return nil, notSupported("COPY format \"%s\" is not supported (use parquet, csv or json)", o.format)
	}
	loc := cs.Relation.Location
	src, err := b.fileSource(kind, cs.Filename, loc, fileOptions{header: o.header, delim: o.delim})
	if err != nil {
		return nil, err
	}
	targets, err := b.copyTargets(cs, t, src, kind, o)
	if err != nil {
		return nil, err
	}
	// CSV text is parsed straight into the columns' types (syntax errors name line and
	// column); VARCHAR(n) is read as text and its length checked when fitting.
	if kind == files.CSV {
		for i, ti := range targets {
			ct := t.Columns[ti].Type
			if ct.Kind == catalog.TypeText || functions.IsJSON(ct) {
				ct = catalog.Text // json: parsed by its input function below
			}
			src.Base[i].Type = ct
		}
	}
	exprs := make([]logical.Expr, len(t.Columns))
	for i, ti := range targets {
		f := src.Base[i]
		col := t.Columns[ti]
		if e, ok := copyJSONColumn(&logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: true}, col.Type); ok { // bind_json.go
			exprs[ti] = e
			continue
		}
		if !canAssign(f.Type, col.Type) {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument,
				"column \"%s\" is of type %s but file column \"%s\" is of type %s", col.Name, opTypeName(col.Type), f.Name, opTypeName(f.Type)))
		}
		exprs[ti] = &logical.Column{Index: i, Name: f.Name, Typ: f.Type, Null: true}
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
		if exprs[i] == nil {
			if !c.Nullable {
				return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument,
					"column \"%s\" of relation \"%s\" is NOT NULL but the file has no column for it", c.Name, t.Ref.Name))
			}
			exprs[i] = &logical.Literal{Typ: c.Type}
		}
	}
	scan, _, err := b.scanOf(src, "", nil)
	if err != nil {
		return nil, err
	}
	root := &logical.Project{Input: scan, Exprs: exprs, Names: names}
	b.snapshots[t.ID] = t.CurrentSnapshot
	return &boundStmt{kind: KindUpdate, root: root, build: func(q *Query, _ logical.Node) (Statement, error) {
		return &Insert{Table: t, Base: t.CurrentSnapshot, Source: q, Operation: "copy", Fit: true}, nil
	}}, nil
}

// copyTargets returns, for each file column, the table column it loads into (see the file
// comment for the rules).
func (b *binder) copyTargets(cs *pg.CopyStmt, t catalog.Table, src *logical.Source, kind files.Format, o copyOptions) ([]int, error) {
	file := src.Table.(*files.Table).Spec().Paths[0]
	if len(cs.Attlist) > 0 {
		var targets []int
		seen := map[int]bool{}
		for _, n := range cs.Attlist {
			name := strVal(n)
			idx := -1
			for i, c := range t.Columns {
				if c.Name == name {
					idx = i
				}
			}
			if idx < 0 {
				return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrNotFound, "column \"%s\" of relation \"%s\" does not exist", name, t.Ref.Name))
			}
			if seen[idx] {
				return nil, b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "column \"%s\" specified more than once", name))
			}
			seen[idx] = true
			targets = append(targets, idx)
		}
		if len(src.Base) != len(targets) {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "file \"%s\" has %d columns but the COPY column list names %d", file, len(src.Base), len(targets))
		}
		return targets, nil
	}
	byName := kind != files.CSV || o.header
	if o.matchByName != nil {
		if *o.matchByName && !byName {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "MATCH_BY_NAME needs column names: CSV with HEADER")
		}
		byName = *o.matchByName
	}
	if !byName {
		if len(src.Base) != len(t.Columns) {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "file \"%s\" has %d columns but table \"%s\" has %d", file, len(src.Base), t.Ref.Name, len(t.Columns))
		}
		targets := make([]int, len(t.Columns))
		for i := range targets {
			targets[i] = i
		}
		return targets, nil
	}
	targets := make([]int, len(src.Base))
	used := map[int]string{}
	for i, f := range src.Base {
		idx := -1
		for c, col := range t.Columns {
			if col.Name == f.Name {
				idx = c
			}
		}
		if idx < 0 {
			for c, col := range t.Columns {
				if strings.EqualFold(col.Name, f.Name) {
					if idx >= 0 {
						return nil, logical.Errorf(errs.ErrInvalidArgument, "file column \"%s\" matches columns \"%s\" and \"%s\" of table \"%s\" ignoring case: rename one",
							f.Name, t.Columns[idx].Name, col.Name, t.Ref.Name)
					}
					idx = c
				}
			}
		}
		if idx < 0 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "column \"%s\" of file \"%s\" matches no column of table \"%s\" (columns are matched by name; COPY %s (col, ...) FROM loads by position)",
				f.Name, file, t.Ref.Name, t.Ref.Name)
		}
		if prev, dup := used[idx]; dup {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "file columns \"%s\" and \"%s\" both match column \"%s\"", prev, f.Name, t.Columns[idx].Name)
		}
		used[idx] = f.Name
		targets[i] = idx
	}
	return targets, nil
}

func (b *binder) bindCopyTo(cs *pg.CopyStmt) (*boundStmt, error) {
	o, err := b.copyOptions(cs)
	if err != nil {
		return nil, err
	}
	if o.format != "parquet" && o.format != "csv" {
		return nil, notSupported("COPY TO format \"%s\" is not supported (use parquet or csv)", o.format)
	}
	if o.matchByName != nil {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "MATCH_BY_NAME is an option of COPY FROM")
	}
	var sel *pg.SelectStmt
	switch {
	case cs.Query != nil:
		if sel = cs.Query.GetSelectStmt(); sel == nil {
			return nil, notSupported("COPY (%s) TO is not supported; use a query", stmtName(cs.Query))
		}
	case cs.Relation != nil:
		cols := "*"
		if len(cs.Attlist) > 0 {
			var qs []string
			for _, n := range cs.Attlist {
				qs = append(qs, quoteIdent(strVal(n)))
			}
			cols = strings.Join(qs, ", ")
		}
		name := quoteIdent(cs.Relation.Relname)
		if cs.Relation.Schemaname != "" {
			name = quoteIdent(cs.Relation.Schemaname) + "." + name
		}
		tree, err := pg.Parse(fmt.Sprintf("SELECT %s FROM %s", cols, name))
		if err != nil || len(tree.Stmts) != 1 {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "COPY %s TO: bad table name", relName(cs.Relation))
		}
		sel = tree.Stmts[0].Stmt.GetSelectStmt()
	default:
		return nil, logical.Errorf(errs.ErrInvalidArgument, "COPY TO needs a table or a query")
	}
	root, err := b.bindQuery(sel)
	if err != nil {
		return nil, err
	}
	abs, err := b.checkWritePath(cs.Filename)
	if err != nil {
		return nil, err
	}
	st := &CopyTo{Path: abs, Format: o.format, Header: o.header, Delimiter: []rune(o.delim)[0]}
	return &boundStmt{kind: KindUpdate, root: root, build: func(q *Query, _ logical.Node) (Statement, error) {
		st.Source = engineTyped(q) // bind_json.go
		return st, nil
	}}, nil
}

// checkWritePath asks FileAccess whether COPY TO may write path.
func (b *binder) checkWritePath(path string) (string, error) {
	wa, ok := b.p.files.(FileWriteAccess)
	if !ok || b.p.files == nil {
		return "", logical.Errorf(errs.ErrPermissionDenied, "writing files is not allowed: %s", path)
	}
	return wa.CheckWrite(path)
}
