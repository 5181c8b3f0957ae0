package files

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Parquet has no type for Arrow's month_day_nano intervals (its INTERVAL logical type keeps
// milliseconds only, and pqarrow cannot write month_day_nano at all). Native files store an
// interval column as fixed_size_binary(16) holding the Arrow value's bytes: months int32,
// days int32, nanoseconds int64, little-endian — exactly month_day_nano's layout, so the
// conversion either way only relabels the buffers. The field carries the metadata
// IntervalMetaKey=IntervalMetaValue so that readers of the file can tell it from binary data.
const (
	IntervalMetaKey   = "tern.type"
	IntervalMetaValue = "interval"
)

// IntervalStorageType is the Parquet-storable type of an interval column.
var IntervalStorageType = &arrow.FixedSizeBinaryType{ByteWidth: 16}

// IsIntervalStorage reports whether f is an interval column as native files store it.
func IsIntervalStorage(f arrow.Field) bool {
	if !arrow.TypeEqual(f.Type, IntervalStorageType) {
		return false
	}
	v, ok := f.Metadata.GetValue(IntervalMetaKey)
	return ok && v == IntervalMetaValue
}

// StorageSchema returns s with every month_day_nano column replaced by its storage type
// (and s itself, ok false, when there is none).
func StorageSchema(s *arrow.Schema) (*arrow.Schema, bool) {
	fields := s.Fields()
	changed := false
	for i, f := range fields {
		if f.Type.ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			fields[i].Type = IntervalStorageType
			fields[i].Metadata = arrow.NewMetadata([]string{IntervalMetaKey}, []string{IntervalMetaValue})
			changed = true
		}
	}
	if !changed {
		return s, false
	}
	md := s.Metadata()
	return arrow.NewSchema(fields, &md), true
}

// relabel returns arr's data as type to (same buffers, a new reference).
func relabel(arr arrow.Array, to arrow.DataType) arrow.Array {
	d := arr.Data()
	nd := array.NewData(to, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

// IntervalsToStorage returns a month_day_nano array as its storage type (a new reference).
func IntervalsToStorage(arr arrow.Array) arrow.Array { return relabel(arr, IntervalStorageType) }

// IntervalsFromStorage returns a stored interval array (fixed_size_binary(16)) as
// month_day_nano (a new reference).
func IntervalsFromStorage(arr arrow.Array) arrow.Array {
	return relabel(arr, arrow.FixedWidthTypes.MonthDayNanoInterval)
}

// ToStorage returns rec with its month_day_nano columns relabelled to the storage type, as
// a batch of schema storage (StorageSchema of rec's schema).
func ToStorage(rec arrow.RecordBatch, storage *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		if c.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			cols[i] = IntervalsToStorage(c)
		} else {
			c.Retain()
			cols[i] = c
		}
	}
	out := array.NewRecordBatch(storage, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out
}
