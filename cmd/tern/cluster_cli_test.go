package main

import (
	"bytes"
	"strings"
	"testing"
)

// The cluster flags of `tern serve` and `tern node` are checked before anything is bound or
// created, with a message naming what is wrong.
func TestClusterCLIErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		secret string
		want   string
	}{
		{[]string{"node", "--data", t.TempDir()}, "", "TERN_SECRET"},
		{[]string{"node"}, "k", "needs --data"},
		{[]string{"node", "--data", t.TempDir(), "--exchange-window", "1KiB"}, "k", "--exchange-window"},
		{[]string{"serve", "--data", t.TempDir(), "--consul", "127.0.0.1:1", "--nodes", "127.0.0.1:2"}, "k", "exclude each other"},
		{[]string{"serve", "--data", t.TempDir(), "--proxy-results"}, "k", "need --consul or --nodes"},
		{[]string{"serve", "--data", t.TempDir(), "--nodes", "127.0.0.1:2"}, "", "TERN_SECRET"},
		{[]string{"serve", "--data", t.TempDir(), "--nodes", "nohost"}, "k", "not host:port"},
	} {
		t.Setenv("TERN_SECRET", tc.secret)
		var out, errOut bytes.Buffer
		if code := run(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("tern %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
}
