package planner

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestStatementTimeAndSessionFunctions(t *testing.T) {
	p := testPlanner()
	now := time.Date(2024, 3, 5, 23, 11, 12, 345678901, time.FixedZone("x", 3600))
	sess := Session{User: "alice", Schema: "s1", Now: now}
	cases := map[string]string{
		"now()":                   "2024-03-05 22:11:12.345678Z",
		"current_timestamp":       "2024-03-05 22:11:12.345678Z",
		"statement_timestamp()":   "2024-03-05 22:11:12.345678Z",
		"transaction_timestamp()": "2024-03-05 22:11:12.345678Z",
		"current_timestamp(0)":    "2024-03-05 22:11:12Z",
		"current_timestamp(2)":    "2024-03-05 22:11:12.35Z",
		"localtimestamp":          "2024-03-05 22:11:12.345678",
		"localtimestamp(3)":       "2024-03-05 22:11:12.346",
		"current_date":            "2024-03-05",
		"current_user":            "'alice'",
		"session_user":            "'alice'",
		"user":                    "'alice'",
		"current_role":            "'alice'",
		"current_schema":          "'s1'",
		"current_schema()":        "'s1'",
		"current_database()":      "'tern'",
		"current_catalog":         "'tern'",
		"pg_catalog.now()":        "2024-03-05 22:11:12.345678Z",
	}
	for expr, want := range cases {
		tree, err := parseOne("SELECT " + expr)
		if err != nil {
			t.Fatal(err)
		}
		b := newBinder(context.Background(), &planner{}, sess, nil, nil, false)
		e, err := b.bindExpr(tree.Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val, exprCtx{clause: "SELECT"})
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := e.String(); !strings.HasPrefix(got, want) {
			t.Errorf("%s = %s, want the constant %s", expr, got, want)
		}
	}
	st, err := p.Plan(context.Background(), sess, "SELECT now() AS a, current_date AS b, localtimestamp AS c, version() AS d, current_user", nil)
	if err != nil {
		t.Fatal(err)
	}
	sch := st.(*Query).Schema
	for i, want := range []string{"timestamp[us, tz=UTC]", "date32", "timestamp[us]", "utf8", "utf8"} {
		if got := sch.Field(i).Type.String(); got != want {
			t.Errorf("column %d: type %s, want %s", i, got, want)
		}
	}
	if sch.Field(4).Name != "current_user" {
		t.Errorf("column name %q, want current_user", sch.Field(4).Name)
	}
	if v := VersionString(); !strings.HasPrefix(v, "PostgreSQL 15.0 (Tern "+TernVersion+")") {
		t.Errorf("version() = %q", v)
	}
	if _, err := p.Plan(context.Background(), sess, "SELECT current_time", nil); err == nil {
		t.Error("current_time: no error")
	}
	// one statement: every occurrence has the same value (zero Session.Now: planning time)
	b := newBinder(context.Background(), &planner{}, Session{}, nil, nil, false)
	tree, err := parseOne("SELECT now(), current_timestamp")
	if err != nil {
		t.Fatal(err)
	}
	tl := tree.Stmt.GetSelectStmt().TargetList
	e1, err1 := b.bindExpr(tl[0].GetResTarget().Val, exprCtx{clause: "SELECT"})
	time.Sleep(2 * time.Microsecond)
	e2, err2 := b.bindExpr(tl[1].GetResTarget().Val, exprCtx{clause: "SELECT"})
	if err1 != nil || err2 != nil || e1.String() != e2.String() {
		t.Errorf("now() = %v (%v), current_timestamp = %v (%v)", e1, err1, e2, err2)
	}
}

func TestRoundMicros(t *testing.T) {
	for _, c := range []struct {
		us   int64
		p    int32
		want int64
	}{
		{1_234_567, 6, 1_234_567}, {1_234_567, -1, 1_234_567}, {1_234_567, 0, 1_000_000}, {1_500_000, 0, 2_000_000},
		{1_234_567, 3, 1_235_000}, {-1_500_000, 0, -2_000_000}, {-1_234_567, 2, -1_230_000},
	} {
		if got := roundMicros(c.us, c.p); got != c.want {
			t.Errorf("roundMicros(%d, %d) = %d, want %d", c.us, c.p, got, c.want)
		}
	}
}
