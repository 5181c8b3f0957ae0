package planner

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// fakeCatalog is an in-memory catalog.Catalog for planner tests.
type fakeCatalog struct {
	mu     sync.Mutex
	tables map[catalog.TableRef]catalog.Table
	snaps  map[[2]uint64]catalog.Snapshot
	nextID uint64
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{tables: map[catalog.TableRef]catalog.Table{}, snaps: map[[2]uint64]catalog.Snapshot{}}
}

// add registers a table with one snapshot of rows rows in nfiles files (rows 0: no snapshot).
func (c *fakeCatalog) add(name string, rows int64, cols ...catalog.Column) catalog.Table {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	t := catalog.Table{ID: c.nextID, Ref: catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: catalog.DefaultSchema, Name: name}, Columns: cols}
	if rows > 0 {
		t.CurrentSnapshot = 10 + c.nextID
		c.snaps[[2]uint64{t.ID, t.CurrentSnapshot}] = catalog.Snapshot{ID: t.CurrentSnapshot, TableID: t.ID,
			Files: []catalog.DataFile{{Path: name + "/f1.parquet", Rows: rows}}}
	}
	c.tables[t.Ref] = t
	return t
}

func (c *fakeCatalog) ListSchemas(context.Context, string) ([]string, error) {
	return []string{catalog.DefaultSchema}, nil
}
func (c *fakeCatalog) CreateSchema(context.Context, string, string) error { return nil }
func (c *fakeCatalog) CreateTable(_ context.Context, t catalog.Table, _ []catalog.DataFile) (catalog.Table, error) {
	return t, errs.Errorf(errs.ErrNotSupported, "fake")
}
func (c *fakeCatalog) DropTable(context.Context, catalog.TableRef) error { return nil }
func (c *fakeCatalog) GetTable(_ context.Context, ref catalog.TableRef) (catalog.Table, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tables[ref]
	if !ok {
		return catalog.Table{}, errs.Errorf(errs.ErrNotFound, "table %s", ref)
	}
	return t, nil
}
func (c *fakeCatalog) ListTables(context.Context, string, string) ([]catalog.Table, error) {
	return nil, nil
}
func (c *fakeCatalog) Snapshot(_ context.Context, tableID, id uint64) (catalog.Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == catalog.NoSnapshot {
		return catalog.Snapshot{TableID: tableID}, nil
	}
	s, ok := c.snaps[[2]uint64{tableID, id}]
	if !ok {
		return s, errs.Errorf(errs.ErrNotFound, "snapshot %d", id)
	}
	return s, nil
}
func (c *fakeCatalog) CommitSnapshot(context.Context, ...catalog.Commit) ([]catalog.Snapshot, error) {
	return nil, errs.Errorf(errs.ErrNotSupported, "fake")
}
func (c *fakeCatalog) GetUser(context.Context, string, string) (catalog.User, error) {
	return catalog.User{}, errs.Errorf(errs.ErrNotFound, "user")
}
func (c *fakeCatalog) PutUser(context.Context, catalog.User) error { return nil }
func (c *fakeCatalog) Close() error                                { return nil }

// fakeFiles allows reading under one directory.
type fakeFiles struct{ root string }

func (f fakeFiles) CheckRead(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(abs, f.root+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: path %s is outside the allowed directories", errs.ErrPermissionDenied, path)
	}
	return abs, nil
}

// fakeTables maps a snapshot's files under /data.
type fakeTables struct{ cat *fakeCatalog }

func (f fakeTables) SnapshotFiles(ctx context.Context, t catalog.Table, snap uint64) ([]string, error) {
	s, err := f.cat.Snapshot(ctx, t.ID, snap)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, df := range s.Files {
		out = append(out, "/data/"+df.Path)
	}
	return out, nil
}

func col(name string, t catalog.Type, nullable bool) catalog.Column {
	return catalog.Column{Name: name, Type: t, Nullable: nullable}
}

// testCatalog has a small TPC-H-like schema.
func testCatalog() *fakeCatalog {
	c := newFakeCatalog()
	c.add("lineitem", 6000,
		col("l_orderkey", catalog.Int64, false), col("l_partkey", catalog.Int64, false),
		col("l_quantity", catalog.Numeric(15, 2), false), col("l_extendedprice", catalog.Numeric(15, 2), false),
		col("l_discount", catalog.Numeric(15, 2), false), col("l_tax", catalog.Numeric(15, 2), false),
		col("l_returnflag", catalog.Type{Kind: catalog.TypeText, Precision: 1}, false),
		col("l_linestatus", catalog.Type{Kind: catalog.TypeText, Precision: 1}, false),
		col("l_shipdate", catalog.Date, false), col("l_comment", catalog.Text, true))
	c.add("orders", 1500,
		col("o_orderkey", catalog.Int64, false), col("o_custkey", catalog.Int64, false),
		col("o_totalprice", catalog.Numeric(15, 2), false), col("o_orderdate", catalog.Date, false),
		col("o_orderpriority", catalog.Text, true), col("o_shippriority", catalog.Int32, true))
	c.add("customer", 150,
		col("c_custkey", catalog.Int64, false), col("c_name", catalog.Text, true),
		col("c_mktsegment", catalog.Text, true), col("c_acctbal", catalog.Numeric(15, 2), true))
	c.add("t", 10,
		col("a", catalog.Int32, true), col("b", catalog.Text, true), col("c", catalog.Float64, true),
		col("d", catalog.Date, true), col("e", catalog.Int16, true), col("f", catalog.Numeric(10, 2), true),
		col("g", catalog.Bool, true), col("h", catalog.Timestamp, true), col("i", catalog.Int64, true))
	c.add("u", 0, col("a", catalog.Int32, true), col("x", catalog.Text, true))
	c.add("nn", 5, col("id", catalog.Int32, false), col("name", catalog.Type{Kind: catalog.TypeText, Precision: 10}, false))
	return c
}

func testPlanner() Planner {
	c := testCatalog()
	return New(c, fakeFiles{root: mustAbs("testdata")}, fakeTables{cat: c})
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}
