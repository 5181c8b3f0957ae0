package files

import (
	"path/filepath"

	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
	gproto "google.golang.org/protobuf/proto"
)

// split.go: the split data of file-backed connectors (this one and native): a
// planpb.FileSplit, encoded at planning time and decoded on the node.

// Split is a decoded FileSplit.
type Split struct {
	Format       Format
	Paths        []string
	Ranges       [][2]int64 // parallel to Paths; length 0: the whole file
	CSVHeader    bool
	CSVDelimiter rune
	Fields       []string // file field names of the base schema's columns (native), or nil
}

// EncodeSplit serializes s.
func EncodeSplit(s Split) ([]byte, error) {
	m := &planpb.FileSplit{Format: planpb.FileSplit_Format(s.Format), CsvHeader: s.CSVHeader, Fields: s.Fields}
	if s.CSVDelimiter != 0 {
		m.CsvDelimiter = string(s.CSVDelimiter)
	}
	for i, p := range s.Paths {
		fr := &planpb.FileRange{Path: p}
		if i < len(s.Ranges) {
			fr.Start, fr.Length = s.Ranges[i][0], s.Ranges[i][1]
		}
		m.Files = append(m.Files, fr)
	}
	b, err := gproto.Marshal(m)
	if err != nil {
		return nil, errs.Errorf(errs.ErrInternal, "encoding file split: %v", err)
	}
	return b, nil
}

// DecodeSplit parses split data; anything malformed is ErrInvalidArgument.
func DecodeSplit(b []byte) (Split, error) {
	var m planpb.FileSplit
	if err := gproto.Unmarshal(b, &m); err != nil {
		return Split{}, errs.Errorf(errs.ErrInvalidArgument, "malformed file split: %v", err)
	}
	s := Split{Format: Format(m.GetFormat()), CSVHeader: m.GetCsvHeader(), Fields: m.GetFields()}
	if s.Format != Parquet && s.Format != CSV && s.Format != JSON {
		return Split{}, errs.Errorf(errs.ErrInvalidArgument, "file split: unknown format %d", m.GetFormat())
	}
	if d := []rune(m.GetCsvDelimiter()); len(d) == 1 {
		s.CSVDelimiter = d[0]
	} else if len(d) > 1 {
		return Split{}, errs.Errorf(errs.ErrNotSupported, "multi-character CSV delimiter %q", m.GetCsvDelimiter())
	}
	for _, f := range m.GetFiles() {
		if !filepath.IsAbs(f.GetPath()) {
			return Split{}, errs.Errorf(errs.ErrInvalidArgument, "file split: path %q is not absolute", f.GetPath())
		}
		if f.GetStart() < 0 || f.GetLength() < 0 {
			return Split{}, errs.Errorf(errs.ErrInvalidArgument, "file split: bad range of %q", f.GetPath())
		}
		s.Paths = append(s.Paths, filepath.Clean(f.GetPath()))
		s.Ranges = append(s.Ranges, [2]int64{f.GetStart(), f.GetLength()})
	}
	return s, nil
}
