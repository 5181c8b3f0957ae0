package flightnodes_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
	"github.com/tern-db/tern/flightnodes"
)

func TestCompileAnalyzed(t *testing.T) {
	p := newPlan()
	j := hashJoin(people(), depts(), substraitpb.HashJoinRel_JOIN_TYPE_INNER, nil, [3]int32{2, 0, 0})
	f := fetchRel(sortRel(projectRel(j, emit(0, 5)), sortKey(field(0), substraitpb.SortField_SORT_DIRECTION_ASC_NULLS_LAST)), 0, 2)
	plan := p.root(f, "id", "dname")
	for _, size := range exectest.BatchSizes {
		mem := exectest.Alloc(t)
		op, prof, err := flightnodes.CompileAnalyzed(context.Background(), plan, exec.Env{Alloc: mem, BatchSize: size})
		if err != nil {
			t.Fatal(err)
		}
		rows := exectest.Rows(t, op)
		if strings.Join(rows, ",") != "1|eng,2|ops" {
			t.Fatalf("rows %v", rows)
		}
		out := prof.String()
		lines := strings.Split(strings.TrimSpace(out), "\n")
		want := []string{`^TopN rows=2 `, `^  Project rows=4 `, `^    HashJoin\[inner\] rows=4 `, `^      Read rows=5 `, `^      Read rows=3 `}
		if len(lines) != len(want) {
			t.Fatalf("profile:\n%s", out)
		}
		for i, w := range want {
			if !regexp.MustCompile(w).MatchString(lines[i]) || !strings.Contains(lines[i], "peak_mem=") || !strings.Contains(lines[i], "time=") {
				t.Fatalf("line %d %q does not match %q\n%s", i, lines[i], w, out)
			}
		}
		if prof.Root.Children[0].Children[0].PeakMemory() <= 0 {
			t.Fatalf("hash join peak memory not counted:\n%s", out)
		}
	}
}
