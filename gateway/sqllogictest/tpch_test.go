package sqllogictest

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// loaderDB is a fakeDB with the load capability, recording what it loaded.
type loaderDB struct {
	*fakeDB
	loaded []string
}

func (l *loaderDB) Load(_ context.Context, dataset string) error {
	l.loaded = append(l.loaded, dataset)
	return nil
}

func TestLoadRecord(t *testing.T) {
	if _, err := Parse("x.slt", "load\n"); err == nil || !strings.Contains(err.Error(), "load needs exactly one data set") {
		t.Errorf("load without a name: %v", err)
	}
	s, err := Parse("x.slt", "skipif postgres\nload tpch\n")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Records[0]; r.Kind != KindLoad || r.Path != "tpch" || r.Applies("postgres") {
		t.Errorf("parsed %+v", r)
	}

	dir := t.TempDir()
	path := writeFile(t, dir, "a.slt", "load tpch\n\nquery I\nSELECT 1\n----\n1\n")
	ld := &loaderDB{fakeDB: newFake()}
	ld.results["SELECT 1"] = &Result{Types: "I", Rows: [][]string{{"1"}}}
	rep, err := (&Runner{DB: ld, Engine: "tern"}).RunFile(context.Background(), path)
	if err != nil || len(rep.Failures) != 0 || len(ld.loaded) != 1 || ld.loaded[0] != "tpch" {
		t.Errorf("with a loader: %v %v loaded %v", err, rep.Failures, ld.loaded)
	}
	// a backend without the capability fails the record, naming it
	rep, err = (&Runner{DB: newFake(), Engine: "other"}).RunFile(context.Background(), path)
	if err != nil || len(rep.Failures) == 0 || !strings.Contains(rep.Failures[0].Problem, "other cannot load data sets") {
		t.Errorf("without a loader: %v %+v", err, rep.Failures)
	}
}

func TestPostgresLoadTPCH(t *testing.T) {
	if _, err := FindTPCHDir(); err != nil {
		t.Skip(err)
	}
	db := OpenPostgresT(t)
	if err := db.Load(t.Context(), "nope"); err == nil || !strings.Contains(err.Error(), `unknown data set "nope"`) {
		t.Errorf("unknown data set: %v", err)
	}
	if err := db.Load(t.Context(), "tpch"); err != nil {
		t.Fatal(err)
	}
	dir, _ := FindTPCHDir()
	want, err := parquetRows(dir + "/sf0.1/lineitem.parquet")
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Query(t.Context(), "SELECT count(*), pg_typeof(min(l_shipdate))::text FROM lineitem")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Rows[0], " "); got != fmt.Sprint(want)+" date" {
		t.Errorf("lineitem: %s, want %d rows of dates", got, want)
	}
	res, err = db.Query(t.Context(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'tpch.lineitem'::regclass AND attname = 'l_extendedprice'")
	if err != nil || res.Rows[0][0] != "numeric(15,2)" {
		t.Errorf("l_extendedprice type: %v %v", res, err)
	}
}
