package planner

import (
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// parquetSchema reads a Parquet file's footer: its columns as SQL types, and its row count.
func parquetSchema(path string) (logical.Schema, int64, error) {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, 0, logical.Errorf(errs.ErrInvalidArgument, "could not read parquet file \"%s\": %v", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, 0, logical.Errorf(errs.ErrInvalidArgument, "could not read parquet file \"%s\": %v", path, err)
	}
	as, err := fr.Schema()
	if err != nil {
		return nil, 0, logical.Errorf(errs.ErrInvalidArgument, "could not read parquet schema of \"%s\": %v", path, err)
	}
	out := make(logical.Schema, as.NumFields())
	for i, f := range as.Fields() {
		t, err := catalog.TypeFromArrow(f.Type)
		if err != nil {
			return nil, 0, err
		}
		out[i] = logical.Field{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return out, rdr.NumRows(), nil
}
