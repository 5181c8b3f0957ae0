package exec_test

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/exec/exectest"
)

func TestProjectSetLockstep(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: i64}, {Name: "lo", Type: i64, Nullable: true},
		{Name: "hi", Type: i64, Nullable: true}, {Name: "step", Type: i64, Nullable: true}}, nil)
	rows := `[{"id":1,"lo":1,"hi":3,"step":1},{"id":2,"lo":5,"hi":4,"step":1},{"id":3,"lo":null,"hi":2,"step":1},
		{"id":4,"lo":10,"hi":0,"step":-5}]`
	gs, err := exec.NewGenerateSeries(i64)
	if err != nil {
		t.Fatal(err)
	}
	calls := []exec.SetCall{
		{Fn: gs, Args: []int{1, 2, 3}, Out: i64, Name: "a"},
		{Fn: gs, Args: []int{0, 2}, Out: i64, Name: "b"}, // id .. hi
	}
	want := []string{
		"1|1|3|1|1|1|1", "1|1|3|1|2|2|2", "1|1|3|1|3|3|3",
		"2|5|4|1|NULL|2|1", "2|5|4|1|NULL|3|2", "2|5|4|1|NULL|4|3",
		// id 3: the series with a NULL bound is empty, 3..2 too: no row
		"4|10|0|-5|10|NULL|1", "4|10|0|-5|5|NULL|2", "4|10|0|-5|0|NULL|3",
	}
	for _, size := range exectest.BatchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := exectest.Alloc(t)
			rec := exectest.Record(t, mem, s, rows)
			defer rec.Release()
			op, err := exec.NewProjectSet(exec.Env{Alloc: mem, BatchSize: size}, exectest.SourceOf(rec, size), calls, true)
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, drainRows(t, op), want)
		})
	}
}

func TestGenerateSeriesStopsAtTypeEnd(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "lo", Type: i64}, {Name: "hi", Type: i64}}, nil)
	mem := exectest.Alloc(t)
	rec := exectest.Record(t, mem, s, `[{"lo":9223372036854775806,"hi":9223372036854775807},{"lo":-9223372036854775807,"hi":-9223372036854775808}]`)
	defer rec.Release()
	up, _ := exec.NewGenerateSeries(i64)
	op, err := exec.NewProjectSet(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 8), []exec.SetCall{{Fn: up, Args: []int{0, 1}, Out: i64, Name: "g"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, drainRows(t, op), []string{"9223372036854775806|9223372036854775807|9223372036854775806", "9223372036854775806|9223372036854775807|9223372036854775807"})
}

func TestProjectSetZeroStep(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}}, nil)
	mem := exectest.Alloc(t)
	rec := exectest.Record(t, mem, s, `[{"a":0}]`)
	defer rec.Release()
	gs, _ := exec.NewGenerateSeries(i64)
	op, err := exec.NewProjectSet(exec.Env{Alloc: mem}, exectest.SourceOf(rec, 8), []exec.SetCall{{Fn: gs, Args: []int{0, 0, 0}, Out: i64, Name: "g"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.Drain(t.Context(), op); err == nil || err.Error() == "" {
		t.Fatalf("zero step: %v", err)
	} else if want := "step size cannot equal zero"; !contains(err.Error(), want) {
		t.Fatalf("zero step: %v, want %q", err, want)
	}
	op.Close()
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
