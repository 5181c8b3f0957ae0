package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/proto/errs"
)

// JSON files are newline-delimited JSON: one object per line, keys are columns (a missing key
// is NULL). They are read with arrow-go's JSON reader against the bound schema.

type jsonFile struct {
	s       *scan
	path    string
	f       *os.File
	cnt     *countingReader
	r       *array.JSONReader
	rows    int64
	counted int64
}

func openJSON(s *scan, path string) (fileReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	j := &jsonFile{s: s, path: path, f: f, cnt: &countingReader{r: f}}
	j.r = array.NewJSONReader(j.cnt, s.opts.Schema, array.WithChunk(s.opts.Env.Size()), array.WithAllocator(s.alloc))
	return j, nil
}

func (j *jsonFile) next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ok := j.r.Next()
	j.s.addScanned(ctx, j.cnt.n-j.counted)
	j.counted = j.cnt.n
	if !ok {
		if err := j.r.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q, after row %d: %v", j.path, j.rows, err)
		}
		return nil, io.EOF
	}
	rec := j.r.RecordBatch()
	j.rows += rec.NumRows()
	return j.s.project(rec.Columns(), rec.NumRows()), nil
}

func (j *jsonFile) close() error {
	j.r.Release()
	return j.f.Close()
}

// jsonInferRows is how many lines InferJSONSchema looks at.
const jsonInferRows = 1000

// InferJSONSchema guesses the columns of a newline-delimited JSON file from its first lines:
// keys in order of first appearance; each gets the first of boolean, bigint, double that all
// its non-null values are, else text. Nested objects and arrays are not supported.
func InferJSONSchema(ctx context.Context, path string) (*arrow.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var names []string
	kinds := map[string]int{} // 0 unknown (only nulls), 1 bool, 2 int, 3 float, 4 text
	line := 0
	for n := 0; n < jsonInferRows && sc.Scan(); {
		line++
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		n++
		dec := json.NewDecoder(bytesReader(b))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q, line %d: not a JSON object: %v", path, line, err)
		}
		// keys in the order of the line: decode again as tokens
		order, err := keyOrder(b)
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q, line %d: %v", path, line, err)
		}
		for _, k := range order {
			if _, ok := kinds[k]; !ok {
				kinds[k] = 0
				names = append(names, k)
			}
			var kind int
			switch v := obj[k].(type) {
			case nil:
				continue
			case bool:
				kind = 1
			case json.Number:
				kind = 3
				if _, err := v.Int64(); err == nil {
					kind = 2
				}
			case string:
				kind = 4
			default:
				return nil, errs.Errorf(errs.ErrNotSupported, "file %q, line %d: key %q holds a nested value (not supported)", path, line, k)
			}
			kinds[k] = mergeKind(kinds[k], kind)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
	}
	if len(names) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q has no JSON objects", path)
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		var dt arrow.DataType = arrow.BinaryTypes.String
		switch kinds[n] {
		case 1:
			dt = arrow.FixedWidthTypes.Boolean
		case 2:
			dt = arrow.PrimitiveTypes.Int64
		case 3:
			dt = arrow.PrimitiveTypes.Float64
		}
		fields[i] = arrow.Field{Name: n, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// mergeKind widens: int with float is float; anything else mixed is text.
func mergeKind(a, b int) int {
	switch {
	case a == 0 || a == b:
		return b
	case (a == 2 && b == 3) || (a == 3 && b == 2):
		return 3
	}
	return 4
}

// keyOrder returns the top-level keys of a JSON object in the order they appear.
func keyOrder(b []byte) ([]string, error) {
	dec := json.NewDecoder(bytesReader(b))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func trimSpace(b []byte) []byte { return bytes.TrimSpace(b) }
