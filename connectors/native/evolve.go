package native

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
)

// evolve.go: reading old files through a table's current schema after ALTER TABLE.
//
// Data files name their columns by catalog.FieldName (a renamed column keeps its file name; an
// added one gets a catalog.AddedFieldPrefix name that older files lack and read as NULL; a
// dropped one is simply not read, and a column added later under the same name gets a new
// field, so old values never come back). Files written after the column list first changed
// record their field names (DataFile.Fields) so that their statistics are matched by name,
// never by position.

// FileSchema returns the schema of t's data files: ArrowSchema with file field names.
func FileSchema(t catalog.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: catalog.FieldName(c), Type: c.Type.Arrow(), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// fileFields is what a new file of t records in DataFile.Fields: nothing until t's column
// list first changed (the file's statistics are then in column order, as every older file's).
func fileFields(t catalog.Table) []string {
	if len(t.LegacyFields) == 0 {
		return nil
	}
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = catalog.FieldName(c)
	}
	return out
}
