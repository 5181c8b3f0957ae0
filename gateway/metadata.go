package gateway

import (
	"context"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql/schema_ref"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner"
)

func (s *Server) GetFlightInfoCatalogs(ctx context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfoN(desc, schema_ref.Catalogs, 1), nil
}

func (s *Server) DoGetCatalogs(ctx context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, schema_ref.Catalogs)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).Append(catalog.CatalogName)
	return oneBatch(schema_ref.Catalogs, b)
}

func (s *Server) GetFlightInfoSchemas(ctx context.Context, cmd flightsql.GetDBSchemas, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfo(desc, schema_ref.DBSchemas), nil
}

func (s *Server) DoGetDBSchemas(ctx context.Context, cmd flightsql.GetDBSchemas) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	b := array.NewRecordBuilder(s.alloc, schema_ref.DBSchemas)
	defer b.Release()
	if catalogMatches(cmd.GetCatalog()) {
		schemas, err := s.cat.ListSchemas(ctx, id.Tenant)
		if err != nil {
			return nil, nil, err
		}
		match := likeMatcher(cmd.GetDBSchemaFilterPattern())
		for _, sc := range schemas {
			if match(sc) && visibleSchema(ctx, sc) {
				b.Field(0).(*array.StringBuilder).Append(catalog.CatalogName)
				b.Field(1).(*array.StringBuilder).Append(sc)
			}
		}
	}
	return oneBatch(schema_ref.DBSchemas, b)
}

func (s *Server) GetFlightInfoTables(ctx context.Context, cmd flightsql.GetTables, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	if cmd.GetIncludeSchema() {
		return s.metadataInfo(desc, schema_ref.TablesWithIncludedSchema), nil
	}
	return s.metadataInfo(desc, schema_ref.Tables), nil
}

func (s *Server) DoGetTables(ctx context.Context, cmd flightsql.GetTables) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return nil, nil, err
	}
	sc := schema_ref.Tables
	if cmd.GetIncludeSchema() {
		sc = schema_ref.TablesWithIncludedSchema
	}
	b := array.NewRecordBuilder(s.alloc, sc)
	defer b.Release()
	wantType := func(tt string) bool {
		if len(cmd.GetTableTypes()) == 0 {
			return true
		}
		for _, t := range cmd.GetTableTypes() {
			if strings.EqualFold(t, tt) || (tt == "TABLE" && strings.EqualFold(t, "BASE TABLE")) {
				return true
			}
		}
		return false
	}
	if catalogMatches(cmd.GetCatalog()) {
		schemas, err := s.cat.ListSchemas(ctx, id.Tenant)
		if err != nil {
			return nil, nil, err
		}
		matchSchema := likeMatcher(cmd.GetDBSchemaFilterPattern())
		matchTable := likeMatcher(cmd.GetTableNameFilterPattern())
		for _, schemaName := range schemas {
			if !matchSchema(schemaName) || !visibleSchema(ctx, schemaName) {
				continue
			}
			tables, err := s.cat.ListTables(ctx, id.Tenant, schemaName)
			if err != nil {
				return nil, nil, err
			}
			for _, t := range tables {
				tableType := jdbcTableType(t)
				if !matchTable(t.Ref.Name) || !wantType(tableType) {
					continue
				}
				b.Field(0).(*array.StringBuilder).Append(catalog.CatalogName)
				b.Field(1).(*array.StringBuilder).Append(schemaName)
				b.Field(2).(*array.StringBuilder).Append(t.Ref.Name)
				b.Field(3).(*array.StringBuilder).Append(tableType)
				if cmd.GetIncludeSchema() {
					b.Field(4).(*array.BinaryBuilder).Append(flight.SerializeSchema(tableSchema(t), s.alloc))
				}
			}
		}
	}
	return oneBatch(sc, b)
}

func (s *Server) GetFlightInfoTableTypes(ctx context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return s.metadataInfoN(desc, schema_ref.TableTypes, int64(len(tableTypes))), nil
}

func (s *Server) DoGetTableTypes(ctx context.Context) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	b := array.NewRecordBuilder(s.alloc, schema_ref.TableTypes)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues(tableTypes, nil)
	return oneBatch(schema_ref.TableTypes, b)
}

// tableTypes are the table types GetTables reports, in JDBC's order (by name): the names
// JDBC's DatabaseMetaData uses for what Tern has (TABLE, VIEW, and session-temporary tables
// as LOCAL TEMPORARY). System views (information_schema, pg_catalog) are not listed by
// GetTables, so no SYSTEM types are advertised.
var tableTypes = []string{"FOREIGN TABLE", "LOCAL TEMPORARY", "TABLE", "VIEW"}

// jdbcTableType is GetTables' table_type of a catalog entry.
func jdbcTableType(t catalog.Table) string {
	switch tt := planner.TableType(t); tt {
	case "FOREIGN":
		return "FOREIGN TABLE" // JDBC's (PostgreSQL's driver) name
	case "BASE TABLE":
	default:
		return tt
	}
	return "TABLE"
}

// tableSchema is a table's Arrow schema with the Flight SQL column metadata clients read
// (ARROW:FLIGHT:SQL:*): catalog, schema and table names, the SQL type name, precision and scale
// (JDBC's column size and decimal digits), and the column's flags. Nullability is the field's.
func tableSchema(t catalog.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		mb := flightsql.NewColumnMetadataBuilder().
			CatalogName(catalog.CatalogName).SchemaName(t.Ref.Schema).TableName(t.Ref.Name).
			TypeName(c.Type.String()).IsReadOnly(false).IsSearchable(true).IsAutoIncrement(false).
			IsCaseSensitive(c.Type.Kind == catalog.TypeText)
		if c.Comment != "" { // COMMENT ON COLUMN
			mb.Remarks(c.Comment)
		}
		switch c.Type.Kind {
		case catalog.TypeNumeric:
			mb.Precision(c.Type.Precision).Scale(c.Type.Scale)
		case catalog.TypeText:
			if c.Type.Precision > 0 {
				mb.Precision(c.Type.Precision)
			}
		case catalog.TypeTimestamp, catalog.TypeTimestampTZ:
			x, _ := xdbcOf(c.Type)
			mb.Precision(x.columnSize).Scale(6)
		default:
			if x, ok := xdbcOf(c.Type); ok && x.columnSize > 0 {
				mb.Precision(x.columnSize).Scale(0)
			}
		}
		// a view's columns are nullable, as PostgreSQL reports them
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: c.Nullable || planner.IsView(t), Metadata: mb.Metadata()}
	}
	return arrow.NewSchema(fields, nil)
}

func (s *Server) metadataInfo(desc *flight.FlightDescriptor, sc *arrow.Schema) *flight.FlightInfo {
	return s.metadataInfoN(desc, sc, -1)
}

// metadataInfoN is metadataInfo for a result whose row count is known up front.
func (s *Server) metadataInfoN(desc *flight.FlightDescriptor, sc *arrow.Schema, rows int64) *flight.FlightInfo {
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(sc, s.alloc),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: desc.Cmd}}},
		TotalRecords:     rows,
		TotalBytes:       -1,
	}
}

func oneBatch(sc *arrow.Schema, b *array.RecordBuilder) (*arrow.Schema, <-chan flight.StreamChunk, error) {
	ch := make(chan flight.StreamChunk, 1)
	ch <- flight.StreamChunk{Data: b.NewRecordBatch()}
	close(ch)
	return sc, ch, nil
}

func catalogMatches(c *string) bool {
	return c == nil || *c == "" || *c == catalog.CatalogName
}

// likeMatcher compiles a Flight SQL filter pattern (SQL LIKE syntax: % and _, \ escapes).
func likeMatcher(p *string) func(string) bool {
	if p == nil || *p == "" || *p == "%" {
		return func(string) bool { return true }
	}
	var re strings.Builder
	re.WriteString("^")
	esc := false
	for _, r := range *p {
		switch {
		case esc:
			re.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			re.WriteString(".*")
		case r == '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	rx := regexp.MustCompile("(?s)" + re.String())
	return rx.MatchString
}
