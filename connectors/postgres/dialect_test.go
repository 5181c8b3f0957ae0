package postgres

import (
	"flag"
	"os"
	"testing"

	"github.com/tern-db/tern/connectors/remotesql"
)

var update = flag.Bool("update", false, "rewrite testdata/pushdown.golden")

// TestPushdownGolden pins the SQL sent to PostgreSQL for each kind of pushdown, with names
// and values that try to escape their quotes (go test ./connectors/postgres -update).
func TestPushdownGolden(t *testing.T) {
	got := remotesql.RenderGolden(Dialect{}) + "\n" + remotesql.OrderGolden(Dialect{})
	const path = "testdata/pushdown.golden"
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Fatalf("remote SQL differs from %s (rerun with -update and review the diff):\n%s", path, got)
	}
}

func TestDecodeNumeric(t *testing.T) {
	// 12345678.99 = digits [1234, 5678, 9900], weight 1, dscale 2
	enc := func(sign uint16, weight int16, digits ...uint16) []byte {
		b := []byte{0, byte(len(digits)), byte(uint16(weight) >> 8), byte(weight), byte(sign >> 8), byte(sign), 0, 2}
		for _, d := range digits {
			b = append(b, byte(d>>8), byte(d))
		}
		return b
	}
	for _, c := range []struct {
		v     []byte
		scale int32
		want  string
	}{
		{enc(0, 1, 1234, 5678, 9900), 2, "1234567899"},
		{enc(0x4000, 1, 1234, 5678, 9900), 2, "-1234567899"},
		{enc(0, 0, 1, 5000), 0, "2"}, // 1.5 rounds half away from zero
		{enc(0x4000, 0, 1, 5000), 0, "-2"},
		{enc(0, -1, 5), 4, "5"},        // 0.0005
		{enc(0, 2, 1), 0, "100000000"}, // 1e8
		{enc(0, 0), 2, "0"},
	} {
		n, err := decodeNumeric(c.v, 38, c.scale)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.BigInt().String(); got != c.want {
			t.Errorf("%v at scale %d: got %s, want %s", c.v, c.scale, got, c.want)
		}
	}
	if _, err := decodeNumeric(enc(0, 1, 1234, 5678, 9900), 4, 2); err == nil {
		t.Error("a value over the precision decoded")
	}
	if _, err := decodeNumeric(enc(0xC000, 0), 4, 2); err == nil {
		t.Error("NaN decoded")
	}
	if _, err := decodeNumeric([]byte{0, 5, 0}, 4, 2); err == nil {
		t.Error("a short value decoded")
	}
}
