package planner

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestZZCancel(t *testing.T) {
	sql := inList(1_000_000)
	p := testPlanner()
	for _, after := range []time.Duration{28 * time.Second, 38 * time.Second, 48 * time.Second} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := p.Plan(ctx, Session{}, sql, nil)
			done <- err
		}()
		time.Sleep(after)
		cancel()
		c := time.Now()
		for {
			select {
			case err := <-done:
				t.Logf("after %v returned in %v: %v", after, time.Since(c), err)
				goto next
			case <-time.After(300 * time.Millisecond):
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				for _, g := range strings.Split(string(buf[:n]), "\n\n") {
					if strings.Contains(g, "planner.(*planner).Plan") {
						lines := strings.Split(g, "\n")
						var fns []string
						for i := 1; i < len(lines) && len(fns) < 8; i += 2 {
							fns = append(fns, strings.TrimSpace(lines[i]))
						}
						t.Logf("%v: %s", time.Since(c), strings.Join(fns, " <- "))
					}
				}
			}
		}
	next:
	}
}
