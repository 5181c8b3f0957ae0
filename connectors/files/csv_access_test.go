package files_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/proto/errs"
)

var csvSchema = ternSchema(
	catalog.Column{Name: "id", Type: catalog.Int64},
	catalog.Column{Name: "name", Type: catalog.Text, Nullable: true},
	catalog.Column{Name: "amount", Type: catalog.Numeric(10, 2), Nullable: true},
	catalog.Column{Name: "day", Type: catalog.Date, Nullable: true},
	catalog.Column{Name: "at", Type: catalog.Timestamp, Nullable: true},
	catalog.Column{Name: "ok", Type: catalog.Bool, Nullable: true},
)

func TestCSV(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.csv")
	os.WriteFile(p, []byte("id;name;amount;day;at;ok\n1;alice;1.50;2024-01-02;2024-01-02 03:04:05;true\n2;;;;;\n3;\"b;c\";-2;2000-02-29;2000-02-29T00:00:00.5;false\n"), 0o644)
	want := []string{
		"1|alice|1.5|2024-01-02|2024-01-02T03:04:05|true",
		"2|NULL|NULL|NULL|NULL|NULL",
		"3|b;c|-2|2000-02-29|2000-02-29T00:00:00.5|false",
	}
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem, BatchSize: size}, Format: files.CSV,
			Paths: []string{p}, Schema: csvSchema, CSVHeader: true, CSVDelimiter: ';'})
		if err != nil {
			t.Fatal(err)
		}
		got := exectest.Rows(t, op)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("size %d: %q", size, got)
		}
		if st := op.(exec.Stats).Stats(); st.BytesScanned == 0 || st.Rows != 3 {
			t.Fatalf("stats %+v", st)
		}
	}
	// Projection, no header.
	q := filepath.Join(dir, "b.csv")
	os.WriteFile(q, []byte("5,x,1,,,\n6,y,2,,,t\n"), 0o644)
	mem := exectest.Alloc(t)
	op, _ := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem}, Format: files.CSV, Paths: []string{q}, Schema: csvSchema, Projection: []int{5, 0}})
	if got := exectest.Rows(t, op); !reflect.DeepEqual(got, []string{"NULL|5", "true|6"}) {
		t.Fatalf("projection: %q", got)
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	scan := func(content string, size int) error {
		p := filepath.Join(dir, "e.csv")
		os.WriteFile(p, []byte(content), 0o644)
		mem := exectest.Alloc(t)
		op, err := files.NewScan(files.ScanOptions{Env: exec.Env{Alloc: mem, BatchSize: size}, Format: files.CSV,
			Paths: []string{p}, Schema: csvSchema, CSVHeader: true})
		if err != nil {
			return err
		}
		_, err = exec.Drain(ctx, op)
		return err
	}
	for _, size := range exectest.BatchSizes {
		err := scan("id,name,amount,day,at,ok\n1,a,1,,,\n2,b,xx,,,\n", size)
		if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "line 3") ||
			!strings.Contains(err.Error(), `column "amount"`) || !strings.Contains(err.Error(), "e.csv") {
			t.Fatalf("size %d: %v", size, err)
		}
	}
	err := scan("id,name,amount,day,at,ok\n1,a,1,,,\n2,b\n", 7)
	if !errors.Is(err, errs.ErrInvalidArgument) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("short record: %v", err)
	}
	err = scan("id,name\n", 7)
	if !errors.Is(err, errs.ErrInvalidArgument) {
		t.Fatalf("header: %v", err)
	}
	iv := arrow.NewSchema([]arrow.Field{{Name: "i", Type: catalog.Interval.Arrow()}}, nil)
	if _, err := files.NewScan(files.ScanOptions{Format: files.CSV, Schema: iv}); !errors.Is(err, errs.ErrNotSupported) {
		t.Fatalf("interval: %v", err)
	}
}

func TestInferCSV(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(p, []byte("a,b,c,d,e\n1,1.5,true,2024-01-01,x\n,2,false,2024-01-02,3\n"), 0o644)
	sc, err := files.InferSchema(ctx, p, files.CSV)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range sc.Fields() {
		got = append(got, f.Name+":"+f.Type.String())
	}
	want := []string{"a:int64", "b:float64", "c:bool", "d:date32", "e:utf8"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestAccess(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "data")
	secret := filepath.Join(root, "secret")
	os.MkdirAll(filepath.Join(allowed, "sub"), 0o755)
	os.MkdirAll(secret, 0o755)
	os.WriteFile(filepath.Join(allowed, "sub", "ok.parquet"), nil, 0o644)
	os.WriteFile(filepath.Join(secret, "pw"), nil, 0o644)
	os.Symlink(secret, filepath.Join(allowed, "escape"))                      // link out of the allowed dir
	os.Symlink(filepath.Join(allowed, "sub"), filepath.Join(root, "viaLink")) // link into it
	os.Symlink(allowed, filepath.Join(root, "allowedLink"))
	os.Symlink(filepath.Join(root, "datafoo"), filepath.Join(root, "unused"))
	os.MkdirAll(filepath.Join(root, "datafoo"), 0o755)
	os.WriteFile(filepath.Join(root, "datafoo", "x"), nil, 0o644)

	a := files.Access{AllowDirs: []string{filepath.Join(root, "allowedLink")}}
	realAllowed, _ := filepath.EvalSymlinks(allowed)
	ok := func(p string) {
		t.Helper()
		got, err := a.CheckRead(p)
		if err != nil {
			t.Fatalf("CheckRead(%q): %v", p, err)
		}
		if !strings.HasPrefix(got, realAllowed) || !filepath.IsAbs(got) {
			t.Fatalf("CheckRead(%q) = %q", p, got)
		}
	}
	denied := func(p string) {
		t.Helper()
		_, err := a.CheckRead(p)
		if !errors.Is(err, errs.ErrPermissionDenied) || !strings.Contains(err.Error(), "--allow-dir") {
			t.Fatalf("CheckRead(%q) = %v, want permission denied", p, err)
		}
	}
	ok(filepath.Join(allowed, "sub", "ok.parquet"))
	ok(filepath.Join(allowed, "sub", "..", "sub", "ok.parquet"))
	ok(filepath.Join(root, "viaLink", "ok.parquet"))
	denied(filepath.Join(allowed, "..", "secret", "pw"))
	denied(filepath.Join(allowed, "escape", "pw"))
	denied(filepath.Join(allowed, "escape", "missing"))
	// Lexically cleaned first: data/secret/pw, which does not exist; never the real secret.
	if got, err := a.CheckRead(allowed + "/escape/../secret/pw"); err == nil {
		t.Fatalf("escape/.. resolved to %q", got)
	}
	denied(filepath.Join(root, "datafoo", "x")) // prefix of the name is not containment
	denied("/etc/passwd")
	denied("")
	_, err := a.CheckRead(filepath.Join(allowed, "sub", "missing.parquet"))
	if !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing inside: %v", err)
	}
	// Relative paths resolve from the working directory.
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	os.Chdir(filepath.Join(allowed, "sub"))
	ok("ok.parquet")
	denied("../../secret/pw")
	denied("../escape/pw")
	if _, err := (files.Access{}).CheckRead(filepath.Join(allowed, "sub", "ok.parquet")); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Fatalf("empty allow list: %v", err)
	}
}
