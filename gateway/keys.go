package gateway

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/tern-db/tern/catalog"
)

// keys.go: primary and foreign keys as declared by CREATE TABLE (catalog.Constraint). Tern
// records them without enforcing uniqueness or references (README "Constraints"); tools read
// them here to draw relationships.

func (s *Server) GetFlightInfoPrimaryKeys(ctx context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.PrimaryKeys), nil
}

func (s *Server) DoGetPrimaryKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	sc := schema_ref.PrimaryKeys
	b := array.NewRecordBuilder(s.alloc, sc)
	defer b.Release()
	tables, err := s.keyTables(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range tables {
		for _, c := range t.Constraints {
			if c.Kind != catalog.ConstraintPrimaryKey {
				continue
			}
			for i, col := range c.Columns {
				b.Field(0).(*array.StringBuilder).Append(catalog.CatalogName)
				b.Field(1).(*array.StringBuilder).Append(t.Ref.Schema)
				b.Field(2).(*array.StringBuilder).Append(t.Ref.Name)
				b.Field(3).(*array.StringBuilder).Append(col)
				b.Field(4).(*array.Int32Builder).Append(int32(i + 1))
				b.Field(5).(*array.StringBuilder).Append(c.Name)
			}
		}
	}
	return oneBatch(sc, b)
}

func (s *Server) GetFlightInfoExportedKeys(ctx context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.ExportedKeys), nil
}

// DoGetExportedKeys lists the foreign keys that reference ref's table.
func (s *Server) DoGetExportedKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	pks, err := s.keyTables(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return s.foreignKeys(ctx, schema_ref.ExportedKeys, nil, pks)
}

func (s *Server) GetFlightInfoImportedKeys(ctx context.Context, _ flightsql.TableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.ImportedKeys), nil
}

// DoGetImportedKeys lists the foreign keys of ref's table.
func (s *Server) DoGetImportedKeys(ctx context.Context, ref flightsql.TableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	fks, err := s.keyTables(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	return s.foreignKeys(ctx, schema_ref.ImportedKeys, fks, nil)
}

func (s *Server) GetFlightInfoCrossReference(ctx context.Context, _ flightsql.CrossTableRef, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.CrossReference), nil
}

// DoGetCrossReference lists the foreign keys of the foreign table that reference the primary
// table.
func (s *Server) DoGetCrossReference(ctx context.Context, ref flightsql.CrossTableRef) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	pks, err := s.keyTables(ctx, ref.PKRef)
	if err != nil {
		return nil, nil, err
	}
	fks, err := s.keyTables(ctx, ref.FKRef)
	if err != nil {
		return nil, nil, err
	}
	if len(pks) == 0 || len(fks) == 0 {
		return s.emptyResult(schema_ref.CrossReference)
	}
	return s.foreignKeys(ctx, schema_ref.CrossReference, fks, pks)
}

// keyTables finds the tables ref names: the exact table name, in the given schema or (schema
// omitted) in every schema the caller can see. Another catalog matches nothing.
func (s *Server) keyTables(ctx context.Context, ref flightsql.TableRef) ([]catalog.Table, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !catalogMatches(ref.Catalog) {
		return nil, nil
	}
	all, err := s.cat.ListTables(ctx, id.Tenant, "")
	if err != nil {
		return nil, err
	}
	var out []catalog.Table
	for _, t := range all {
		if t.Ref.Name != ref.Table || !visibleSchema(ctx, t.Ref.Schema) {
			continue
		}
		if ref.DBSchema != nil && *ref.DBSchema != t.Ref.Schema {
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// foreignKeys answers the foreign keys declared by the tables fks (nil: every table) that
// reference the tables pks (nil: any table), one row per column pair, in the shared schema of
// ImportedKeys, ExportedKeys and CrossReference.
func (s *Server) foreignKeys(ctx context.Context, sc *arrow.Schema, fks, pks []catalog.Table) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, sc)
	defer b.Release()
	if fks == nil {
		id, err := identityFrom(ctx)
		if err != nil {
			return nil, nil, err
		}
		all, err := s.cat.ListTables(ctx, id.Tenant, "")
		if err != nil {
			return nil, nil, err
		}
		for _, t := range all {
			if visibleSchema(ctx, t.Ref.Schema) {
				fks = append(fks, t)
			}
		}
	}
	wanted := func(r catalog.TableRef) bool {
		if pks == nil {
			return true
		}
		for _, p := range pks {
			if p.Ref.Schema == r.Schema && p.Ref.Name == r.Name {
				return true
			}
		}
		return false
	}
	type row struct {
		t catalog.Table
		c catalog.Constraint
	}
	var rows []row
	for _, t := range fks {
		for _, c := range t.Constraints {
			if c.Kind == catalog.ConstraintForeignKey && wanted(c.RefTable) {
				rows = append(rows, row{t, c})
			}
		}
	}
	// Flight SQL orders imported keys by the referenced table, exported keys by the
	// referencing one; both then by key sequence (rows are emitted per key, in order).
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if sc == schema_ref.ImportedKeys {
			return a.c.RefTable.String() < b.c.RefTable.String()
		}
		return a.t.Ref.String() < b.t.Ref.String()
	})
	for _, r := range rows {
		pkName := ""
		if pt, err := s.cat.GetTable(ctx, r.c.RefTable); err == nil {
			for _, o := range pt.Constraints {
				if (o.Kind == catalog.ConstraintPrimaryKey || o.Kind == catalog.ConstraintUnique) && catalog.SameColumnSet(o.Columns, r.c.RefColumns) {
					pkName = o.Name
					break
				}
			}
		}
		for i := range r.c.Columns {
			str := func(f int, v string) { b.Field(f).(*array.StringBuilder).Append(v) }
			str(0, catalog.CatalogName)
			str(1, r.c.RefTable.Schema)
			str(2, r.c.RefTable.Name)
			str(3, r.c.RefColumns[i])
			str(4, catalog.CatalogName)
			str(5, r.t.Ref.Schema)
			str(6, r.t.Ref.Name)
			str(7, r.c.Columns[i])
			b.Field(8).(*array.Int32Builder).Append(int32(i + 1))
			str(9, r.c.Name)
			if pkName == "" {
				b.Field(10).AppendNull()
			} else {
				str(10, pkName)
			}
			b.Field(11).(*array.Uint8Builder).Append(fkRule(r.c.OnUpdate))
			b.Field(12).(*array.Uint8Builder).Append(fkRule(r.c.OnDelete))
		}
	}
	return oneBatch(sc, b)
}

// fkRule maps PostgreSQL's action letters onto Flight SQL's rule codes (CASCADE 0, RESTRICT 1,
// SET NULL 2, NO ACTION 3, SET DEFAULT 4).
func fkRule(a string) uint8 {
	switch a {
	case "c":
		return 0
	case "r":
		return 1
	case "n":
		return 2
	case "d":
		return 4
	}
	return 3
}

func (s *Server) emptyResult(sc *arrow.Schema) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, sc)
	defer b.Release()
	return oneBatch(sc, b)
}
