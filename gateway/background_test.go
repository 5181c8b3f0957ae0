package gateway

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// A panic in background work is logged with its stack and does not kill the process.
func TestBackgroundPanicIsLogged(t *testing.T) {
	var logs syncBuffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logs, nil))}
	s.guarded(context.Background(), "test task", func() { panic("boom") })
	if out := logs.String(); !strings.Contains(out, "panic recovered") || !strings.Contains(out, "boom") || !strings.Contains(out, "test task") {
		t.Fatalf("log: %s", out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	s.keepRunning(ctx, "loop", func() { runs++; cancel() })
	if runs != 1 {
		t.Fatalf("keepRunning ran %d times after its context ended", runs)
	}
}
