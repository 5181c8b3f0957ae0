package planner

import (
	"context"
	"os"
	"strings"
	"testing"
)

func TestZZScratch(t *testing.T) {
	q := os.Getenv("ZZQ")
	if q == "" {
		t.Skip()
	}
	p := testPlanner()
	st, err := p.Plan(context.Background(), Session{}, "EXPLAIN "+q, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(strings.Join(st.(*Explain).Lines, "\n"))
	st, err = p.Plan(context.Background(), Session{}, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if qq, ok := st.(*Query); ok {
		t.Log(qq.Schema)
	}
}
