package functions_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/native"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/planner"
	"google.golang.org/protobuf/proto"

	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
)

// engine plans with the planner and runs with the node's compiler, as the gateway does.
type engine struct {
	p     planner.Planner
	store *native.Store
	cat   catalog.Catalog
}

func newEngine(t testing.TB, setup ...string) *engine {
	cat := catalog.NewMemory()
	store := native.New(t.TempDir(), cat)
	e := &engine{p: planner.New(cat, nil, store), store: store, cat: cat}
	for _, sql := range setup {
		if _, err := e.run(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return e
}

func (e *engine) compile(ctx context.Context, q *planner.Query) (exec.Operator, error) {
	return flightnodes.Compile(ctx, q.Plan, exec.Env{Alloc: memory.NewGoAllocator(), BatchSize: 16})
}

// run plans and runs sql; a query answers its rows as text ("NULL" for NULL).
func (e *engine) run(ctx context.Context, sql string) ([]string, error) {
	st, err := e.p.Plan(ctx, planner.Session{}, sql, nil)
	if err != nil {
		return nil, err
	}
	switch st := st.(type) {
	case *planner.Query:
		op, err := e.compile(ctx, st)
		if err != nil {
			return nil, err
		}
		defer op.Close()
		bs, err := exec.Drain(ctx, op)
		var rows []string
		for _, b := range bs {
			for r := 0; r < int(b.NumRows()); r++ {
				var cells []string
				for c := 0; c < int(b.NumCols()); c++ {
					if b.Column(c).IsNull(r) {
						cells = append(cells, "NULL")
					} else {
						cells = append(cells, b.Column(c).ValueStr(r))
					}
				}
				rows = append(rows, strings.Join(cells, "|"))
			}
			b.Release()
		}
		return rows, err
	case *planner.CreateTable:
		_, err := e.cat.CreateTable(ctx, st.Table, nil)
		return nil, err
	case *planner.Insert:
		w := e.store.NewWriter(st.Table)
		op, err := e.compile(ctx, st.Source)
		if err != nil {
			return nil, err
		}
		defer op.Close()
		if err := w.WriteAll(ctx, op); err != nil {
			w.Abort()
			return nil, err
		}
		_, err = w.Commit(ctx, st.Base, st.Operation)
		return nil, err
	}
	return nil, fmt.Errorf("statement %T", st)
}

// typed holds one column per SQL type the registry's signatures use.
const typedTable = "CREATE TABLE ty (b BOOLEAN, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE PRECISION, " +
	"n NUMERIC(10,2), s TEXT, d DATE, ts TIMESTAMP, tz TIMESTAMPTZ, iv INTERVAL)"

func column(t catalog.Type) string {
	switch t.Kind {
	case catalog.TypeBool:
		return "b"
	case catalog.TypeInt16:
		return "i2"
	case catalog.TypeInt32:
		return "i4"
	case catalog.TypeInt64:
		return "i8"
	case catalog.TypeFloat32:
		return "f4"
	case catalog.TypeFloat64:
		return "f8"
	case catalog.TypeNumeric:
		return "n"
	case catalog.TypeDate:
		return "d"
	case catalog.TypeTimestamp:
		return "ts"
	case catalog.TypeTimestampTZ:
		return "tz"
	case catalog.TypeInterval:
		return "iv"
	}
	return "s"
}

// samples are SQL expressions over ty for the functions whose signatures the binder decides
// by its own rules (no Sigs), keyed by ID.
var samples = map[string][]string{
	"add": {"i4 + i8", "n + i4", "d + 1", "ts + iv", "iv + iv"}, "subtract": {"i8 - i2", "n - n", "ts - ts", "d - d"},
	"multiply": {"f8 * i4", "n * n", "iv * 2"}, "divide": {"i4 / i4", "n / 3", "iv / 2"}, "modulus": {"i4 % 3", "n % n"},
	"negate": {"-i4", "-n", "-f8"},
	"equal":  {"i4 = i8", "s = 'x'"}, "not_equal": {"n <> 1"}, "lt": {"d < ts"}, "lte": {"f4 <= f8"}, "gt": {"s > 'a'"}, "gte": {"tz >= tz"},
	"is_distinct_from": {"i4 IS DISTINCT FROM 1"}, "is_not_distinct_from": {"s IS NOT DISTINCT FROM s"},
	"is_null": {"s IS NULL"}, "is_not_null": {"n IS NOT NULL"},
	"and": {"b AND i4 > 1"}, "or": {"b OR s = 'x'"}, "not": {"NOT b"},
	"concat": {"s || 'x'", "s || i4"}, "like": {"s LIKE 'a%'", "s NOT LIKE '%b'"}, "ilike": {"s ILIKE 'A%'"}, "concat()": {"concat(s, i4, b)"}, "concat_ws": {"concat_ws('-', s, i4)"},
	"varchar": {"s::varchar(3)"}, "bpchar": {"s::char(3)", "i4::character(5)"},
	"abs": {"abs(i4)", "abs(n)", "abs(f8)"}, "sign": {"sign(n)", "sign(f8)"}, "ceil": {"ceil(n)", "ceiling(f8)"}, "floor": {"floor(n)"},
	"trunc": {"trunc(n, 1)", "trunc(f8)"}, "round": {"round(n, 1)", "round(f8)"}, "greatest": {"greatest(i4, i8, 3)"}, "least": {"least(s, 'm')"},
	"extract": {"extract(year FROM d)", "extract(epoch FROM ts)"}, "date_part": {"date_part('month', tz)"},
	"date_trunc": {"date_trunc('month', ts)", "date_trunc('day', d)"},
	"age":        {"age(d, d)", "age(ts)", "age(tz)", "age(d)"},
	"log":        {"log(n, n)", "log(2, i4)"}, "div": {"div(n, 3)", "div(i4, i8)"},
	"to_char":   {"to_char(ts, s)", "to_char(tz, s)", "to_char(d, s)", "to_char(iv, s)", "to_char(i4, s)", "to_char(i8, s)", "to_char(n, s)", "to_char(f8, s)"},
	"to_number": {"to_number(s, '9.99')"}, "to_date": {"to_date(s, s)"}, "to_timestamp": {"to_timestamp(s, s)", "to_timestamp(f8)"},
	"sqrt": {"sqrt(n)"}, "exp": {"exp(n)"}, "ln": {"ln(n)"}, "log10": {"log(n)"}, "power": {"power(n, 2)", "n ^ 0.5", "i4 ^ 2"},
}

// Functions the binder cannot produce from SQL (client Substrait plans reach them), or that
// it produces only as another expression's part.
var notFromSQL = map[string]bool{"tern_check_constraint": true}

// Every function the registry declares for SQL is produced by the binder, declared in the
// Substrait plan under its URN and name, and found with a kernel by the node's compiler.
func TestEveryFunctionRoundTrips(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, typedTable)
	for _, f := range functions.All() {
		var exprs []string
		for _, s := range f.Sigs {
			for k := len(s.Args) - s.Optional; k <= len(s.Args); k++ {
				if len(f.SQL) == 0 || !regexp.MustCompile(`^[a-z_0-9]+$`).MatchString(f.SQL[0]) {
					continue
				}
				args := make([]string, k)
				for i := range args {
					args[i] = column(s.Args[i])
				}
				exprs = append(exprs, f.SQL[0]+"("+strings.Join(args, ", ")+")")
			}
		}
		exprs = append(exprs, samples[f.ID]...)
		if len(exprs) == 0 {
			if !notFromSQL[f.ID] {
				t.Errorf("%s: no sample expression: add one to samples", f.ID)
			}
			continue
		}
		for _, x := range exprs {
			sql := "SELECT " + x + " FROM ty"
			st, err := e.p.Plan(ctx, planner.Session{}, sql, nil)
			if err != nil {
				t.Errorf("%s: %v", sql, err)
				continue
			}
			q := st.(*planner.Query)
			var plan pb.Plan
			if err := proto.Unmarshal(q.Plan, &plan); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, d := range plan.GetExtensions() {
				if fn := d.GetExtensionFunction(); fn != nil && strings.HasPrefix(fn.GetName(), f.Name+":") {
					found = true
				}
			}
			if !found && f.ID != "varchar" {
				t.Errorf("%s: plan declares no %s", sql, f.Name)
			}
			op, err := e.compile(ctx, q)
			if err != nil {
				t.Errorf("%s: compile: %v", sql, err)
				continue
			}
			op.Close()
		}
	}
}

// The binder names functions through the registry: every function name literal a binder
// file builds a call with is declared (or is the binder's own placeholder, rewritten
// before the plan is produced).
func TestBinderNamesDeclared(t *testing.T) {
	files, err := filepath.Glob("../planner/*.go")
	if err != nil || len(files) == 0 {
		t.Fatal(err)
	}
	internal := map[string]bool{"grouping": true}
	re := regexp.MustCompile(`(?:\bcall\(|regCall\(|\bmk\(|logical\.Call\{Fn: )"([a-z_0-9()]+)"`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := functions.ByID(m[1]); !ok && !internal[m[1]] {
				t.Errorf("%s builds a call of %q, which the registry does not declare", filepath.Base(f), m[1])
			}
		}
	}
	t.Logf("%d literal names checked", n)
}

// Every declared aggregate binds from each of its SQL names, as an aggregate and as a window
// aggregate, and the node finds its executor function; every window-only function too.
func TestAggregatesAndWindowsRoundTrip(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, typedTable)
	var sqls []string
	for _, a := range functions.Aggs() {
		for _, name := range a.SQL {
			if a.OrderedSet { // WITHIN GROUP only, and never a window function
				direct := map[int]string{0: "", 1: "0.5", -1: "1.5"}[a.Args]
				sqls = append(sqls, "SELECT "+name+"("+direct+") WITHIN GROUP (ORDER BY f8) FROM ty",
					"SELECT i4, "+name+"("+direct+") WITHIN GROUP (ORDER BY f8 DESC) FROM ty GROUP BY i4")
				continue
			}
			arg := "f8"
			switch {
			case a.ID == "bool_and" || a.ID == "bool_or":
				arg = "b"
			case a.Args == 2:
				arg = "s, ','"
			}
			sqls = append(sqls, "SELECT "+name+"("+arg+") FROM ty", "SELECT "+name+"(DISTINCT "+arg+") FROM ty",
				"SELECT "+name+"("+arg+") OVER (PARTITION BY i4) FROM ty")
			if a.StarOK {
				sqls = append(sqls, "SELECT "+name+"(*) FROM ty", "SELECT "+name+"(*) OVER () FROM ty")
			}
			if a.DecimalURN {
				sqls = append(sqls, "SELECT "+name+"(n) FROM ty")
			}
		}
	}
	args := map[string]string{"ntile": "2", "lag": "s", "lead": "s, 1", "first_value": "d", "last_value": "n", "nth_value": "s, 2"}
	for _, w := range functions.Windows() {
		sqls = append(sqls, "SELECT "+w.SQL[0]+"("+args[w.ID]+") OVER (ORDER BY i4) FROM ty")
	}
	// any aggregate takes ORDER BY
	sqls = append(sqls, "SELECT string_agg(s, ',' ORDER BY f8 DESC, i4), count(s ORDER BY s) FROM ty")
	for _, sql := range sqls {
		if _, err := e.run(ctx, sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
	if len(sqls) < 40 {
		t.Errorf("only %d statements", len(sqls))
	}
}
