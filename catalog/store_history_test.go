package catalog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

func TestRebaseAndExpire(t *testing.T) {
	ctx := context.Background()
	c := NewMemory()
	ref := TableRef{Tenant: "a", Schema: "public", Name: "t"}
	tb, err := c.CreateTable(ctx, Table{Ref: ref, Columns: []Column{{Name: "x", Type: Int64}}}, []DataFile{{Path: "f1", Rows: 1}, {Path: "f2", Rows: 1}})
	if err != nil {
		t.Fatal(err)
	}
	base := tb.CurrentSnapshot
	// An append moves the table on; a rewrite of f1 planned at base still commits (Rebase).
	if _, err := c.CommitSnapshot(ctx, Commit{Ref: ref, Base: base, Add: []DataFile{{Path: "f3"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitSnapshot(ctx, Commit{Ref: ref, Base: base, Remove: []string{"f1"}, Add: []DataFile{{Path: "f1b"}}}); !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("stale commit without Rebase: %v", err)
	}
	s, err := c.CommitSnapshot(ctx, Commit{Ref: ref, Base: base, Remove: []string{"f1"}, Add: []DataFile{{Path: "f1b"}}, Rebase: true})
	if err != nil || len(s[0].Files) != 3 {
		t.Fatalf("rebased commit: %v %+v", err, s)
	}
	// A second rewrite of f1 from the same base conflicts: no lost update.
	_, err = c.CommitSnapshot(ctx, Commit{Ref: ref, Base: base, Remove: []string{"f1"}, Add: []DataFile{{Path: "f1c"}}, Rebase: true})
	if !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("second rewrite: %v", err)
	}
	h := c.(History)
	infos, _ := h.Snapshots(ctx, tb.ID)
	if len(infos) != 3 {
		t.Fatalf("%d snapshots", len(infos))
	}
	if n, err := h.ExpireSnapshots(ctx, tb.ID, time.Now().Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("expired %d: %v", n, err)
	}
	cur, _ := c.GetTable(ctx, ref)
	snap, err := c.Snapshot(ctx, tb.ID, cur.CurrentSnapshot)
	if err != nil || len(snap.Files) != 3 {
		t.Fatalf("current after expiry: %v %+v", err, snap)
	}
	garbage, _ := h.DroppedFilesBefore(ctx, time.Now().Add(time.Second))
	if len(garbage) != 1 || garbage[0] != "f1" {
		t.Fatalf("garbage %v", garbage)
	}
	refs, _ := h.ReferencedFiles(ctx)
	if len(refs) != 4 || !refs["f1b"] || !refs["f1"] {
		t.Fatalf("references %v", refs)
	}
}
