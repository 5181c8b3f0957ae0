package cluster

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tern-db/tern/proto/errs"
)

func TestCandidates(t *testing.T) {
	m := &set{}
	m.update([]string{"a:1", "b:2", "c:3"}, "")
	r := &Remote{Members: m}
	c0, err := r.Candidates("q1", 0)
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := r.Candidates("q1", 1)
	if len(c0) != 3 || c0[0] == c1[0] {
		t.Fatalf("partitions 0 and 1 start on different nodes: %v %v", c0, c1)
	}
	again, _ := r.Candidates("q1", 0)
	if !slices.Equal(c0, again) {
		t.Fatal("candidates are a function of query and partition")
	}
	// A failed node is tried last, until it rejoins the membership.
	r.Failed(c0[0], errors.New("gone"))
	now, _ := r.Candidates("q1", 0)
	if now[2] != c0[0] {
		t.Fatalf("failed node %s not last: %v", c0[0], now)
	}
	var rest []string
	for _, a := range []string{"a:1", "b:2", "c:3"} {
		if a != c0[0] {
			rest = append(rest, a)
		}
	}
	m.update(rest, "")
	m.update([]string{"a:1", "b:2", "c:3"}, "")
	back, _ := r.Candidates("q1", 0)
	if !slices.Equal(back, c0) {
		t.Fatalf("rejoined node not used again: %v, want %v", back, c0)
	}
	// No node: Unavailable naming why.
	m.update(nil, "consul at x lists no healthy tern-node instance")
	_, err = r.Candidates("q1", 0)
	if !errors.Is(err, errs.ErrSourceUnavailable) || !strings.Contains(err.Error(), "lists no healthy") {
		t.Fatalf("no node: %v", err)
	}
}
