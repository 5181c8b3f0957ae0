package files

import (
	"context"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto/errs"
)

// csvFile reads one CSV file with arrow-go's reader against the bound schema. Empty fields
// are NULL. When a value does not parse, the file is read again up to the failing batch to
// name the line and column (arrow-go's reader does not report positions).
type csvFile struct {
	s       *scan
	path    string
	f       *os.File
	cnt     *countingReader
	r       *csv.Reader
	records int64 // data records returned before the current batch
	counted int64 // bytes already added to stats
}

func csvTypeSupported(dt arrow.DataType) bool {
	switch dt.(type) {
	case *arrow.BooleanType, *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type,
		*arrow.Float32Type, *arrow.Float64Type, *arrow.StringType, *arrow.LargeStringType,
		*arrow.TimestampType, *arrow.Date32Type, *arrow.Date64Type, *arrow.Decimal128Type:
		return true
	case *arrow.ListType:
		return true // read as text, then PostgreSQL's array input (castLists)
	}
	return false
}

// csvReadSchema is the schema the CSV reader parses with: array (list) columns are read as
// their text, which castLists turns into arrays.
func csvReadSchema(sc *arrow.Schema) *arrow.Schema {
	fields := append([]arrow.Field(nil), sc.Fields()...)
	changed := false
	for i, f := range fields {
		if f.Type.ID() == arrow.LIST {
			fields[i].Type, changed = arrow.BinaryTypes.String, true
		}
	}
	if !changed {
		return sc
	}
	meta := sc.Metadata()
	return arrow.NewSchema(fields, &meta)
}

// castLists converts the text of array columns to the bound list types with the executor's
// text -> array cast (PostgreSQL's array input: {1,NULL,"a b"}). It returns new columns the
// caller releases.
func (c *csvFile) castLists(ctx context.Context, rec arrow.RecordBatch) ([]arrow.Array, error) {
	cols := make([]arrow.Array, rec.NumCols())
	for i, f := range c.s.opts.Schema.Fields() {
		col := rec.Column(i)
		if f.Type.ID() != arrow.LIST {
			col.Retain()
			cols[i] = col
			continue
		}
		e, err := exec.NewCast(exec.NewColumnRef(i, col.DataType()), f.Type)
		if err == nil {
			cols[i], err = e.Eval(ctx, rec, c.s.alloc)
		}
		if err != nil {
			for _, x := range cols[:i] {
				x.Release()
			}
			return nil, fmt.Errorf("file %q, column %q: %w", c.path, f.Name, err)
		}
	}
	return cols, nil
}

func (s *scan) comma() rune {
	if s.opts.CSVDelimiter == 0 {
		return ','
	}
	return s.opts.CSVDelimiter
}

func openCSV(s *scan, path string) (fileReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	c := &csvFile{s: s, path: path, f: f, cnt: &countingReader{r: f}}
	c.r = csv.NewReader(c.cnt, csvReadSchema(s.opts.Schema),
		csv.WithHeader(s.opts.CSVHeader),
		csv.WithComma(s.comma()),
		csv.WithChunk(s.opts.Env.Size()),
		csv.WithAllocator(s.alloc),
		csv.WithNullReader(true, ""))
	return c, nil
}

func (c *csvFile) next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ok, err := c.advance()
	c.s.addScanned(ctx, c.cnt.n-c.counted)
	c.counted = c.cnt.n
	if err == nil {
		err = c.r.Err()
	}
	if err != nil {
		return nil, c.explain(err)
	}
	if !ok {
		return nil, io.EOF
	}
	rec := c.r.RecordBatch()
	cols := rec.Columns()
	if csvReadSchema(c.s.opts.Schema) != c.s.opts.Schema {
		if cols, err = c.castLists(ctx, rec); err != nil {
			return nil, err
		}
		defer func() {
			for _, x := range cols {
				x.Release()
			}
		}()
	}
	out := c.s.project(cols, rec.NumRows())
	c.records += rec.NumRows()
	return out, nil
}

// advance calls the reader's Next, turning its panics on malformed records into errors.
func (c *csvFile) advance() (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return c.r.Next(), nil
}

// explain turns a reader error into one naming the file, line and column.
func (c *csvFile) explain(err error) error {
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		return errs.Errorf(errs.ErrInvalidArgument, "file %q, line %d: %v", c.path, pe.Line, pe.Err)
	}
	if loc := c.locate(); loc != nil {
		return loc
	}
	return errs.Errorf(errs.ErrInvalidArgument, "file %q, after data line %d: %v", c.path, c.records, err)
}

// locate re-reads the file up to and including the current batch and returns an error for the
// first field that does not parse or record of the wrong width; nil if it finds none.
func (c *csvFile) locate() error {
	f, err := os.Open(c.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := stdcsv.NewReader(f)
	r.Comma = c.s.comma()
	r.FieldsPerRecord = -1
	fields := c.s.opts.Schema.Fields()
	if c.s.opts.CSVHeader {
		if _, err := r.Read(); err != nil {
			return nil
		}
	}
	limit := c.records + int64(c.s.opts.Env.Size())
	for n := int64(0); n < limit; n++ {
		rec, err := r.Read()
		if err != nil {
			return nil
		}
		if len(rec) != len(fields) {
			line, _ := r.FieldPos(0)
			return errs.Errorf(errs.ErrInvalidArgument, "file %q, line %d: expected %d fields, found %d", c.path, line, len(fields), len(rec))
		}
		if n < c.records {
			continue
		}
		for i, v := range rec {
			if v == "" {
				continue
			}
			if perr := checkValue(fields[i].Type, v); perr != nil {
				line, col := r.FieldPos(i)
				name := fmtType(fields[i].Type)
				if t, err := catalog.TypeFromArrow(fields[i].Type); err == nil {
					name = t.String()
				}
				return errs.Errorf(errs.ErrInvalidArgument, "file %q, line %d, column %q (character %d): invalid input syntax for type %s: %q",
					c.path, line, fields[i].Name, col, name, v)
			}
		}
	}
	return nil
}

// checkValue reports whether v parses as dt, the way arrow-go's CSV reader parses it.
func checkValue(dt arrow.DataType, v string) error {
	var err error
	switch dt := dt.(type) {
	case *arrow.BooleanType:
		_, err = strconv.ParseBool(v)
	case *arrow.Int8Type:
		_, err = strconv.ParseInt(v, 10, 8)
	case *arrow.Int16Type:
		_, err = strconv.ParseInt(v, 10, 16)
	case *arrow.Int32Type:
		_, err = strconv.ParseInt(v, 10, 32)
	case *arrow.Int64Type:
		_, err = strconv.ParseInt(v, 10, 64)
	case *arrow.Uint8Type:
		_, err = strconv.ParseUint(v, 10, 8)
	case *arrow.Uint16Type:
		_, err = strconv.ParseUint(v, 10, 16)
	case *arrow.Uint32Type:
		_, err = strconv.ParseUint(v, 10, 32)
	case *arrow.Uint64Type:
		_, err = strconv.ParseUint(v, 10, 64)
	case *arrow.Float32Type:
		_, err = strconv.ParseFloat(v, 32)
	case *arrow.Float64Type:
		_, err = strconv.ParseFloat(v, 64)
	case *arrow.Date32Type, *arrow.Date64Type:
		_, err = time.Parse("2006-01-02", v)
	case *arrow.TimestampType:
		_, err = arrow.TimestampFromString(v, dt.Unit)
	case *arrow.Decimal128Type:
		_, err = decimal128.FromString(v, dt.Precision, dt.Scale)
	}
	return err
}

func (c *csvFile) close() error {
	c.r.Release()
	return c.f.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
