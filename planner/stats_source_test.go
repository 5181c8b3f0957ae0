package planner

import (
	"context"
	"testing"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// statsCatalog adds ANALYZE statistics to the fake catalog.
type statsCatalog struct {
	*fakeCatalog
	stats map[string]catalog.TableStats
}

func (c statsCatalog) TableStats(_ context.Context, ref catalog.TableRef) (catalog.TableStats, error) {
	st, ok := c.stats[ref.Name]
	if !ok {
		return st, errs.Errorf(errs.ErrNotFound, "no statistics")
	}
	return st, nil
}

func TestNativeSourceCarriesStatistics(t *testing.T) {
	fc := testCatalog()
	ctx := context.Background()
	ref := catalog.TableRef{Tenant: catalog.DefaultTenant, Schema: catalog.DefaultSchema, Name: "t"}
	tbl, err := fc.GetTable(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.TableStats{Rows: 10, Columns: []catalog.ColumnSummary{{Name: "a", Distinct: 3}}}
	for _, c := range []struct {
		cat       catalog.Catalog
		withStats bool
	}{
		{fc, false}, // no StatsReader
		{statsCatalog{fc, map[string]catalog.TableStats{}}, false}, // never analysed
		{statsCatalog{fc, map[string]catalog.TableStats{"t": want}}, true},
	} {
		p := New(c.cat, fakeFiles{root: mustAbs("testdata")}, fakeTables{cat: fc}).(*planner)
		b := newBinder(ctx, p, Session{}, nil, nil, true)
		src, err := b.nativeSource(tbl)
		if err != nil {
			t.Fatal(err)
		}
		if (src.Stats != nil) != c.withStats {
			t.Fatalf("%T: statistics %v, want %v", c.cat, src.Stats != nil, c.withStats)
		}
		if c.withStats && src.Stats.Columns[0].Distinct != 3 {
			t.Errorf("statistics %+v", src.Stats)
		}
	}
}
