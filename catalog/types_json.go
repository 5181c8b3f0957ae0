package catalog

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/tern-db/tern/proto/errs"
)

// JSON and JSONB travel through the engine and are stored (Parquet) as utf8: json holds its
// input text, jsonb PostgreSQL's normalized text. Clients see both as Arrow's canonical JSON
// extension type ("arrow.json" over utf8), which arrow-go, pyarrow (>= 19) and the ADBC
// drivers recognize, so a client gets JSON text it can tell from plain strings without a
// Tern-specific type. The extension has no parameters, so json and jsonb look the same to a
// client (jsonb is valid JSON text too); Tern's own catalog keeps the difference.
var (
	JSON  = Type{Kind: TypeJSON}
	JSONB = Type{Kind: TypeJSONB}
)

var jsonExt = func() arrow.DataType {
	t, err := extensions.NewJSONType(arrow.BinaryTypes.String)
	if err != nil {
		panic(err)
	}
	return t
}()

// ClientArrow is the Arrow type clients are promised for values of t: t.Arrow(), except that
// json and jsonb are the canonical JSON extension type over it.
func (t Type) ClientArrow() arrow.DataType {
	if t.Kind == TypeJSON || t.Kind == TypeJSONB {
		return jsonExt
	}
	return t.Arrow()
}

// typeFromExtension maps an extension type a client or a file brings: arrow.json is jsonb
// (the type PostgreSQL users store documents in); others are their storage type's.
func typeFromExtension(dt arrow.ExtensionType) (Type, error) {
	if dt.ExtensionName() == "arrow.json" {
		return JSONB, nil
	}
	if st := dt.StorageType(); st != nil {
		return TypeFromArrow(st)
	}
	return Type{}, errs.Errorf(errs.ErrNotSupported, "arrow type %s has no SQL type in Tern", dt)
}
