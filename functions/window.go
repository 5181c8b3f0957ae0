package functions

import (
	"strings"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// Window is one window-only function (ranking, offsets, values); aggregates used as window
// functions are the Aggs.
type Window struct {
	ID   string // logical window call's Fn and the Substrait name (under proto.URNTern)
	URN  string
	SQL  []string
	Kind exec.WinKind
}

var windowList = func() []*Window {
	w := func(name string, k exec.WinKind) *Window {
		return &Window{ID: name, URN: proto.URNTern, SQL: []string{name}, Kind: k}
	}
	return []*Window{
		w(proto.WinRowNumber, exec.WinRowNumber), w(proto.WinRank, exec.WinRank), w(proto.WinDenseRank, exec.WinDenseRank),
		w(proto.WinPercentRank, exec.WinPercentRank), w(proto.WinCumeDist, exec.WinCumeDist), w(proto.WinNtile, exec.WinNtile),
		w(proto.WinLag, exec.WinLag), w(proto.WinLead, exec.WinLead), w(proto.WinFirstValue, exec.WinFirstValue),
		w(proto.WinLastValue, exec.WinLastValue), w(proto.WinNthValue, exec.WinNthValue),
	}
}()

// Compound returns the Substrait compound name for arguments of signature names sigs.
func (w *Window) Compound(sigs []string) string {
	return w.ID + ":" + strings.Join(sigs, "_")
}

// Windows returns every declared window-only function.
func Windows() []*Window { return append([]*Window(nil), windowList...) }

// LookupWindow finds a window-only function by its Substrait name.
func LookupWindow(name string) (*Window, bool) {
	for _, w := range windowList {
		if w.ID == name {
			return w, true
		}
	}
	return nil, false
}
