package postgres

import (
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/connectors/remotesql"
)

// Dialect is PostgreSQL's.
type Dialect struct{}

var _ remotesql.Dialect = Dialect{}

// QuoteIdent doubles embedded quotes: "a""b".
func (Dialect) QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString renders an escape string constant (E'...'): backslashes and quotes escaped, so
// that the text means the same whatever standard_conforming_strings is.
func quoteString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `''`)
	return "E'" + s + "'"
}

func (Dialect) Literal(v prune.Value, t catalog.Type) (string, bool) {
	switch t.Kind {
	case catalog.TypeText:
		if v.Kind != prune.KindString || strings.IndexByte(v.S, 0) >= 0 {
			return "", false
		}
		return quoteString(v.S), true
	case catalog.TypeBool:
		if v.Kind != prune.KindBool {
			return "", false
		}
		if v.I != 0 {
			return "true", true
		}
		return "false", true
	case catalog.TypeDate:
		if v.Kind != prune.KindInt {
			return "", false
		}
		return "DATE '" + remotesql.DateText(v.I) + "'", true
	case catalog.TypeTimestamp:
		if v.Kind != prune.KindInt {
			return "", false
		}
		return "TIMESTAMP '" + remotesql.TimestampText(v.I) + "'", true
	case catalog.TypeTimestampTZ:
		if v.Kind != prune.KindInt {
			return "", false
		}
		return "TIMESTAMPTZ '" + remotesql.TimestampText(v.I) + "+00'", true
	case catalog.TypeNumeric:
		s, ok := remotesql.Number(v, t)
		if !ok {
			return "", false
		}
		return s + "::numeric", true
	case catalog.TypeFloat32, catalog.TypeFloat64:
		s, ok := remotesql.Number(v, t)
		if !ok {
			return "", false
		}
		return s + "::float8", true
	}
	return remotesql.Number(v, t)
}

// Compared makes text compare by bytes (the C collation), as Tern's text does.
func (Dialect) Compared(col string, t catalog.Type) string {
	if t.Kind == catalog.TypeText {
		return col + ` COLLATE "C"`
	}
	return col
}

// Selected casts declared text columns to text (uuid, json, xml, char(n) arrive as text).
func (Dialect) Selected(col string, t catalog.Type) string {
	if t.Kind == catalog.TypeText {
		return col + "::text"
	}
	return col
}

// OrderKey orders text by bytes (COLLATE "C") with explicit NULL placement.
func (d Dialect) OrderKey(col string, t catalog.Type, desc, nullsFirst bool) (string, bool) {
	s := d.Compared(col, t)
	if desc {
		s += " DESC"
	} else {
		s += " ASC"
	}
	if nullsFirst {
		return s + " NULLS FIRST", true
	}
	return s + " NULLS LAST", true
}
