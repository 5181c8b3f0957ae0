package planner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestZZProf(t *testing.T) {
	p := testPlanner()
	for _, n := range []int{300000} {
		var sb strings.Builder
		sb.WriteString("SELECT a FROM t WHERE a IN (")
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "%d", i)
		}
		sb.WriteString(")")
		s := time.Now()
		_, err := p.Plan(context.Background(), Session{}, sb.String(), nil)
		t.Logf("IN n=%d %v err=%v", n, time.Since(s), err)
	}
	for _, n := range []int{300000} {
		var sb strings.Builder
		sb.WriteString("SELECT * FROM (VALUES ")
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, "(%d, 'x%d')", i, i)
		}
		sb.WriteString(") v(a, b)")
		s := time.Now()
		_, err := p.Plan(context.Background(), Session{}, sb.String(), nil)
		t.Logf("VALUES n=%d %v err=%v", n, time.Since(s), err)
	}
}
