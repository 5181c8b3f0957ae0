package cluster

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

func TestParseStatic(t *testing.T) {
	s, err := ParseStatic(" b:2, a:1 ,b:2,")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Nodes(); !slices.Equal(got, []string{"a:1", "b:2"}) {
		t.Fatalf("nodes %v", got)
	}
	for _, bad := range []string{"", " , ", "nohost"} {
		if _, err := ParseStatic(bad); !errors.Is(err, errs.ErrInvalidArgument) {
			t.Errorf("%q: %v, want InvalidArgument", bad, err)
		}
	}
}

func TestSetJoined(t *testing.T) {
	var s set
	s.update([]string{"a:1", "b:2"}, "")
	ja := s.JoinedAt("a:1")
	time.Sleep(time.Millisecond)
	s.update([]string{"a:1"}, "")
	if s.JoinedAt("a:1") != ja || !s.JoinedAt("b:2").IsZero() {
		t.Fatal("a staying keeps its join time; b leaving loses it")
	}
	s.update([]string{"a:1", "b:2"}, "")
	if !s.JoinedAt("b:2").After(ja) {
		t.Fatal("b rejoining gets a new join time")
	}
	if s.update(nil, "why") != true || s.Why() != "why" || len(s.Nodes()) != 0 {
		t.Fatal("an empty update says why")
	}
}
