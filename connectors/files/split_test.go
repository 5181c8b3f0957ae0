package files_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/proto/errs"
)

// FuzzDecodeSplit: split bytes come from a fragment, so any bytes must decode to a valid
// split or to InvalidArgument/NotSupported, never panic; what decodes re-encodes and decodes.
func FuzzDecodeSplit(f *testing.F) {
	for _, s := range []files.Split{
		{Format: files.Parquet, Paths: []string{"/d/a.parquet"}, Ranges: [][2]int64{{4, 10}}, Fields: []string{"a"}},
		{Format: files.CSV, Paths: []string{"/d/a.csv"}, CSVHeader: true, CSVDelimiter: '|'},
	} {
		b, err := files.EncodeSplit(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := files.DecodeSplit(b)
		if err != nil {
			if !errors.Is(err, errs.ErrInvalidArgument) && !errors.Is(err, errs.ErrNotSupported) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(s.Ranges) != len(s.Paths) {
			t.Fatalf("%d ranges for %d paths", len(s.Ranges), len(s.Paths))
		}
		for i, p := range s.Paths {
			if !filepath.IsAbs(p) || s.Ranges[i][0] < 0 || s.Ranges[i][1] < 0 {
				t.Fatalf("decoded %q %v", p, s.Ranges[i])
			}
		}
		again, err := files.EncodeSplit(s)
		if err != nil {
			t.Fatal(err)
		}
		if s2, err := files.DecodeSplit(again); err != nil || len(s2.Paths) != len(s.Paths) {
			t.Fatalf("re-decode %v", err)
		}
	})
}
