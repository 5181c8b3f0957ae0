package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// bind_files.go: files named in SQL. read_parquet(path), read_csv(path [, header => true,
// delimiter => ',']) and read_json(path) in FROM, and COPY ... FROM. A path may be a glob
// (connectors/files/glob.go); every matched file passes the allow-list, and the files'
// schemas are unified or the file that differs is named. Schemas are inferred in one place,
// connectors/files (infer.go).

// fileOptions are the reading options of text formats.
type fileOptions struct {
	header bool   // CSV: the first line names the columns
	delim  string // CSV delimiter
}

var readFunctions = map[string]files.Format{
	"read_parquet": files.Parquet,
	"read_csv":     files.CSV,
	"read_json":    files.JSON,
}

// bindReadFunction binds read_parquet/read_csv/read_json(path, name => value, ...) in FROM.
func (b *binder) bindReadFunction(name string, fc *pg.FuncCall, rf *pg.RangeFunction) (logical.Node, *scope, error) {
	kind := readFunctions[name]
	opts := fileOptions{header: true, delim: ","}
	var path string
	havePath := false
	for _, a := range fc.Args {
		if na := a.GetNamedArgExpr(); na != nil {
			if kind != files.CSV {
				return nil, nil, b.errAt(na.Location, logical.Errorf(errs.ErrInvalidArgument, "%s takes no option \"%s\"", name, na.Name))
			}
			v, err := b.constArg(na.Arg, name)
			if err != nil {
				return nil, nil, err
			}
			switch strings.ToLower(na.Name) {
			case "header":
				s := strings.ToLower(v)
				opts.header = s == "true" || s == "on" || s == "1" || s == "yes"
			case "delimiter", "delim", "sep":
				if len([]rune(v)) != 1 {
					return nil, nil, b.errAt(na.Location, logical.Errorf(errs.ErrInvalidArgument, "%s delimiter must be a single one-byte character", name))
				}
				opts.delim = v
			default:
				return nil, nil, b.errAt(na.Location, logical.Errorf(errs.ErrInvalidArgument, "%s has no option \"%s\" (header, delimiter)", name, na.Name))
			}
			continue
		}
		if havePath {
			return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s takes one path; options are named (header => true)", name))
		}
		v, err := b.constArg(a, name)
		if err != nil {
			return nil, nil, err
		}
		path, havePath = v, true
	}
	if !havePath {
		return nil, nil, b.errAt(fc.Location, logical.Errorf(errs.ErrInvalidArgument, "%s takes one argument, a file path", name))
	}
	src, err := b.fileSource(kind, path, fc.Location, opts)
	if err != nil {
		return nil, nil, err
	}
	qual := name
	if rf.Alias != nil && rf.Alias.Aliasname != "" {
		qual = rf.Alias.Aliasname
	}
	return b.scanOf(src, qual, rf.Alias)
}

// constArg evaluates a function argument that must be a constant (a string literal).
func (b *binder) constArg(n *pg.Node, fn string) (string, error) {
	arg, err := b.bindExpr(n, exprCtx{clause: "FROM"})
	if err != nil {
		return "", err
	}
	lit, ok := arg.(*logical.Literal)
	if !ok || lit.Value == nil {
		return "", b.errAt(nodeLoc(n), logical.Errorf(errs.ErrInvalidArgument, "%s needs constant arguments (a string literal path)", fn))
	}
	v, err := logical.CastValue(lit.Value, lit.Typ, catalog.Text)
	if err != nil {
		return "", b.errAt(nodeLoc(n), err)
	}
	s, _ := v.(string)
	return s, nil
}

// expandPath resolves a path or glob to allowed files.
func (b *binder) expandPath(path string, loc int32) ([]string, error) {
	paths, err := files.Expand(path, func(p string) (string, error) { return b.checkPath(p, loc) })
	if err != nil {
		return nil, b.errAt(loc, err)
	}
	return paths, nil
}

// fileSource is the scan source of the files path names: a table of the files connector,
// which infers and unifies their schema (connectors/files).
func (b *binder) fileSource(format files.Format, path string, loc int32, opts fileOptions) (*logical.Source, error) {
	paths, err := b.expandPath(path, loc)
	if err != nil {
		return nil, err
	}
	spec := files.Spec{Format: format, Paths: paths}
	if format == files.CSV {
		spec.CSVHeader, spec.CSVDelimiter = opts.header, []rune(opts.delim)[0]
	}
	tb, err := files.Connector{}.TableOf(b.ctx, spec)
	if err != nil {
		return nil, b.errAt(loc, err)
	}
	unified := tb.Schema()
	base := make(logical.Schema, unified.NumFields())
	for i, f := range unified.Fields() {
		t, err := catalog.TypeFromArrow(f.Type)
		if err != nil {
			return nil, b.errAt(loc, logical.Errorf(errs.ErrNotSupported, "file %q: column %q: %v", paths[0], f.Name, err))
		}
		base[i] = logical.Field{Name: f.Name, Type: t, Nullable: true}
	}
	return &logical.Source{Connector: files.ConnectorName, Table: tb, Name: "'" + path + "'", Snapshot: catalog.NoSnapshot,
		Base: base, EstRows: tb.Rows()}, nil
}
