package files

import (
	"context"
	stdcsv "encoding/csv"
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/proto/errs"
)

// InferSchema returns the Arrow schema of a file: for Parquet the schema pqarrow derives
// (using the stored Arrow schema when the writer kept one); for CSV, a header line and ','
// delimiter are assumed (see InferCSVSchema).
func InferSchema(ctx context.Context, path string, f Format) (*arrow.Schema, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch f {
	case Parquet:
		sc, _, err := inferParquet(path)
		return sc, err
	case CSV:
		return InferCSVSchema(ctx, path, true, ',')
	case JSON:
		return InferJSONSchema(ctx, path)
	}
	return nil, errs.Errorf(errs.ErrNotSupported, "schema inference for format %d", f)
}

// inferParquet reads a Parquet file's footer: the Arrow schema pqarrow derives and the row
// count.
func inferParquet(path string) (*arrow.Schema, int64, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, 0, openError(path, err)
	}
	pr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, 0, errs.Errorf(errs.ErrInvalidArgument, "file %q is not a valid Parquet file: %v", path, err)
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, 0, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, 0, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
	}
	return arrow.NewSchema(sc.Fields(), nil), pr.NumRows(), nil
}

// csvInferRows is how many data lines InferCSVSchema looks at.
const csvInferRows = 1000

// InferCSVSchema guesses column types from the first lines of a CSV file: each column gets
// the first of bigint, double, boolean, date, timestamp that all its non-empty values parse
// as, else text. Without a header, columns are named column1, column2, ...
func InferCSVSchema(ctx context.Context, path string, header bool, delim rune) (*arrow.Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	r := stdcsv.NewReader(f)
	if delim != 0 {
		r.Comma = delim
	}
	var names []string
	var cands [][]arrow.DataType
	ts := &arrow.TimestampType{Unit: arrow.Microsecond}
	for n := 0; n <= csvInferRows; n++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: %v", path, err)
		}
		if names == nil {
			for i := range rec {
				if header {
					names = append(names, rec[i])
				} else {
					names = append(names, "column"+strconv.Itoa(i+1))
				}
				cands = append(cands, []arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64,
					arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32, ts})
			}
			if header {
				continue
			}
		}
		for i, v := range rec {
			if v == "" || i >= len(cands) {
				continue
			}
			kept := cands[i][:0]
			for _, dt := range cands[i] {
				if checkValue(dt, v) == nil {
					kept = append(kept, dt)
				}
			}
			cands[i] = kept
		}
	}
	if names == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q is empty", path)
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		dt := arrow.DataType(arrow.BinaryTypes.String)
		if len(cands[i]) > 0 {
			dt = cands[i][0]
		}
		fields[i] = arrow.Field{Name: n, Type: dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// UnifySchemas returns the one schema of several files read together (a glob): every file
// must have the same column names in the same order, or the error names the first file that
// differs. Types must be equal for Parquet; for text formats (widen) an integer and a float
// column unify to float and other differences to text, since their types were only guessed.
func UnifySchemas(paths []string, schemas []*arrow.Schema, widen bool) (*arrow.Schema, error) {
	if len(schemas) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "no files")
	}
	first := schemas[0]
	fields := append([]arrow.Field(nil), first.Fields()...)
	for i := 1; i < len(schemas); i++ {
		sc := schemas[i]
		if sc.NumFields() != len(fields) {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q has %d columns but %q has %d: files read together must have the same columns",
				paths[i], sc.NumFields(), paths[0], len(fields))
		}
		for c, f := range sc.Fields() {
			if f.Name != fields[c].Name {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: column %d is %q but in %q it is %q: files read together must have the same columns",
					paths[i], c+1, f.Name, paths[0], fields[c].Name)
			}
			if arrow.TypeEqual(f.Type, fields[c].Type) {
				fields[c].Nullable = fields[c].Nullable || f.Nullable
				continue
			}
			if !widen {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "file %q: column %q is %s but in %q it is %s",
					paths[i], f.Name, f.Type, paths[0], fields[c].Type)
			}
			num := func(dt arrow.DataType) bool {
				return dt.ID() == arrow.INT64 || dt.ID() == arrow.FLOAT64
			}
			if num(f.Type) && num(fields[c].Type) {
				fields[c].Type = arrow.PrimitiveTypes.Float64
			} else {
				fields[c].Type = arrow.BinaryTypes.String
			}
			fields[c].Nullable = true
		}
	}
	return arrow.NewSchema(fields, nil), nil
}
