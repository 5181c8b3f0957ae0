package logical

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
)

// Field is one output column of a node.
type Field struct {
	Name      string
	Qualifier string // table name or alias the column is visible under ("" if none)
	Type      catalog.Type
	Nullable  bool
}

// Schema is the ordered output of a node.
type Schema []Field

// Arrow returns the Arrow schema (names, catalog.Type.Arrow(), nullability). Unknown types
// (untyped string literals never coerced) are presented as text, as PostgreSQL does.
func (s Schema) Arrow() *arrow.Schema {
	fs := make([]arrow.Field, len(s))
	for i, f := range s {
		t := f.Type
		if t.Kind == catalog.TypeUnknown {
			t = catalog.Text
		}
		fs[i] = arrow.Field{Name: f.Name, Type: t.Arrow(), Nullable: f.Nullable}
	}
	return arrow.NewSchema(fs, nil)
}

// SameTypes reports whether two schemas have the same number of columns with the same types
// (names and nullability may differ: rules may rename or refine them).
func SameTypes(a, b Schema) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !TypesEqual(a[i].Type, b[i].Type) {
			return false
		}
	}
	return true
}

// TypesEqual compares two SQL types; text lengths are ignored (they do not change the
// physical type).
func TypesEqual(a, b catalog.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == catalog.TypeArray {
		return TypesEqual(a.ElemType(), b.ElemType())
	}
	if a.Kind == catalog.TypeNumeric {
		return a.Precision == b.Precision && a.Scale == b.Scale
	}
	return true
}
