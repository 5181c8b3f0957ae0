package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/scalar"
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/proto/planpb"
	"google.golang.org/protobuf/encoding/protojson"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// goldenCases are planned and compared with testdata/golden/<name>.golden: the optimized
// plan (EXPLAIN VERBOSE) and the Substrait plan as JSON.
var goldenCases = []struct {
	name, sql string
	params    []scalar.Scalar
}{
	{"select_const", "SELECT 1, 'a' AS s, 2.5 * 2, NULL", nil},
	{"filter_project", "SELECT a + 1 AS x, b FROM t WHERE a > 5 AND b <> 'z'", nil},
	{"unknown_literal_coercion", "SELECT o_orderkey FROM orders WHERE o_orderdate < '1995-03-15' AND o_totalprice > 100", nil},
	{"tpch_q1", `SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
	 sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
	 avg(l_quantity) AS avg_qty, avg(l_discount) AS avg_disc, count(*) AS count_order
	 FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - 90
	 GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus`, nil},
	{"tpch_q3", `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
	 FROM customer, orders, lineitem
	 WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
	   AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
	 GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate LIMIT 10`, nil},
	{"join_using_star", "SELECT * FROM t JOIN u USING (a)", nil},
	{"join_cast_key", "SELECT t.a, nn.name FROM t JOIN nn ON t.i = nn.id", nil},
	{"order_hidden_nulls", "SELECT b FROM t ORDER BY a DESC NULLS LAST, c", nil},
	{"distinct_limit_offset", "SELECT DISTINCT b FROM t ORDER BY b LIMIT 5 OFFSET 2", nil},
	{"distinct_on", "SELECT DISTINCT ON (b) b, a FROM t ORDER BY b, c DESC LIMIT 3", nil},
	{"group_having_ordinal", "SELECT a % 3 AS k, count(DISTINCT b), max(c), min(d) FROM t GROUP BY 1 HAVING count(*) > 1 ORDER BY k", nil},
	{"expressions", `SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, a BETWEEN 1 AND 3, a NOT IN (1, 2),
	 b LIKE 'x%', b NOT LIKE '%y', b || 'y', CAST(a AS text), f / 3, e + a, i * f, c / a, NOT g, h > '2020-01-01', coalesce(a, 0), -c FROM t`, nil},
	{"params", "SELECT a FROM t WHERE a = $1 AND b = $2 LIMIT $3",
		[]scalar.Scalar{scalar.NewInt64Scalar(7), scalar.NewStringScalar("x"), scalar.NewInt64Scalar(3)}},
	{"insert_values", "INSERT INTO t (b, a, f) VALUES ('x', 1, 1.239), ('y', 2, NULL)", nil},
	{"insert_select", "INSERT INTO nn SELECT i, b FROM t WHERE a IS NOT NULL", nil},
	{"ctas", "CREATE TABLE t2 AS SELECT a, sum(f) AS total FROM t GROUP BY a", nil},
	{"empty_table", "SELECT * FROM u WHERE a = 1", nil},
	{"values", "SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS v(n, s) WHERE n > 1", nil},
	{"copy_csv", "COPY t FROM 'testdata/files/t.csv' (FORMAT csv, HEADER true, DELIMITER '|')", nil},
	{"subquery_from", "SELECT s.x FROM (SELECT a + 1 AS x FROM t) s WHERE s.x > 2", nil},
	{"recursive_cte", "WITH RECURSIVE r(n, p) AS (SELECT a, b FROM t WHERE a = 1 UNION SELECT t.a, r.p || t.b FROM r JOIN t ON t.a = r.n + 1) SELECT n, p FROM r", nil},
	{"lateral_topn", "SELECT t.a, s.x FROM t LEFT JOIN LATERAL (SELECT u.x FROM u WHERE u.a = t.a ORDER BY u.x LIMIT 2) s ON true", nil},
	{"lateral_series", "SELECT t.a, s.n FROM t, generate_series(1, t.a) s(n)", nil},
}

func canonicalJSON(m gproto.Message) (string, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		// protojson output is valid JSON; compact first to strip its random spacing
		return "", err
	}
	var c bytes.Buffer
	if err := json.Compact(&c, raw); err != nil {
		return "", err
	}
	buf.Reset()
	if err := json.Indent(&buf, c.Bytes(), "", "  "); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func renderGolden(t *testing.T, p Planner, sql string, params []scalar.Scalar) string {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	fmt.Fprintf(&out, "-- sql\n%s\n", sql)
	ex, err := p.Plan(ctx, Session{}, "EXPLAIN VERBOSE "+sql, params)
	if err == nil {
		fmt.Fprintf(&out, "-- explain\n%s\n", strings.Join(ex.(*Explain).Lines, "\n"))
	}
	st, err := p.Plan(ctx, Session{}, sql, params)
	if err != nil {
		t.Fatalf("plan %q: %v", sql, err)
	}
	var q *Query
	switch s := st.(type) {
	case *Query:
		q = s
	case *Insert:
		fmt.Fprintf(&out, "-- insert into %s operation=%s base=%d\n", s.Table.Ref, s.Operation, s.Base)
		q = s.Source
	case *CreateTable:
		fmt.Fprintf(&out, "-- create table %s columns=%v\n", s.Table.Ref, s.Table.Columns)
		q = s.As
	}
	if q == nil {
		t.Fatalf("no query for %q", sql)
	}
	fmt.Fprintf(&out, "-- schema\n%s\n-- snapshots\n%v\n", q.Schema, q.Snapshots)
	var plan pb.Plan
	if err := gproto.Unmarshal(q.Plan, &plan); err != nil {
		t.Fatalf("unmarshal plan: %v", err)
	}
	// File paths are absolute in plans; the checkout's location must not matter.
	wd, _ := os.Getwd()
	if wd != "" {
		relativeSplitPaths(t, plan.ProtoReflect(), wd)
	}
	js, err := canonicalJSON(&plan)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&out, "-- substrait\n%s\n", js)
	got := out.String()
	if wd != "" {
		got = strings.ReplaceAll(got, wd, "$PWD")
	}
	return got
}

// relativeSplitPaths rewrites the file paths inside the files connector's splits of every
// scan under m from wd to "$PWD" (the splits are opaque bytes, which the text replacement of
// renderGolden cannot see into).
func relativeSplitPaths(t *testing.T, m protoreflect.Message, wd string) {
	t.Helper()
	if rr, ok := m.Interface().(*pb.ReadRel); ok && rr.GetExtensionTable() != nil {
		var cs planpb.ConnectorScan
		if err := rr.GetExtensionTable().GetDetail().UnmarshalTo(&cs); err != nil {
			t.Fatalf("connector scan: %v", err)
		}
		if cs.GetConnector() == files.ConnectorName {
			for _, sp := range cs.GetSplits() {
				fs, err := files.DecodeSplit(sp.GetData())
				if err != nil {
					t.Fatalf("files split: %v", err)
				}
				for i, p := range fs.Paths {
					fs.Paths[i] = strings.ReplaceAll(p, wd, "$PWD")
				}
				if sp.Data, err = files.EncodeSplit(fs); err != nil {
					t.Fatal(err)
				}
			}
			detail, err := anypb.New(&cs)
			if err != nil {
				t.Fatal(err)
			}
			rr.GetExtensionTable().Detail = detail
		}
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				relativeSplitPaths(t, v.List().Get(i).Message(), wd)
			}
		case fd.IsMap():
		default:
			relativeSplitPaths(t, v.Message(), wd)
		}
		return true
	})
}

func TestGoldenPlans(t *testing.T) {
	p := testPlanner()
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			got := renderGolden(t, p, c.sql, c.params)
			path := filepath.Join("testdata", "golden", c.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if string(want) != got {
				t.Errorf("plan differs from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}
