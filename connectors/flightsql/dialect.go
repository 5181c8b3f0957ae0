package flightsql

import (
	"strconv"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/connectors/remotesql"
)

// Dialect is standard SQL as Flight SQL servers commonly read it.
type Dialect struct{}

var _ remotesql.Dialect = Dialect{}

func (Dialect) QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (Dialect) Literal(v prune.Value, t catalog.Type) (string, bool) {
	switch t.Kind {
	case catalog.TypeText:
		// standard constants: only quotes are special; a backslash stays one (a server that
		// reads backslash escapes would see a different value, so none are pushed)
		if v.Kind != prune.KindString || strings.ContainsAny(v.S, "\\\x00") {
			return "", false
		}
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'", true
	case catalog.TypeBool:
		if v.Kind != prune.KindBool {
			return "", false
		}
		if v.I != 0 {
			return "TRUE", true
		}
		return "FALSE", true
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
	case catalog.TypeTimestampTZ, catalog.TypeFloat32, catalog.TypeFloat64:
		return "", false // zone and float literal rules differ between servers
	case catalog.TypeNumeric:
		s, ok := remotesql.Number(v, t)
		if !ok {
			return "", false
		}
		return "CAST(" + s + " AS DECIMAL(" + itoa(t.Precision) + "," + itoa(t.Scale) + "))", true
	}
	return remotesql.Number(v, t)
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func (Dialect) Compared(col string, _ catalog.Type) string { return col }
func (Dialect) Selected(col string, _ catalog.Type) string { return col }

// support: text compares only for equality (ordering depends on the remote collation).
func support(src *remotesql.Source) func(f connectors.Filter) connectors.Support {
	return func(f connectors.Filter) connectors.Support {
		for _, p := range f.Preds {
			if p.Col >= 0 && p.Col < len(src.Columns) && src.Columns[p.Col].Type.Kind == catalog.TypeText {
				switch p.Op {
				case prune.Eq, prune.In, prune.IsNull, prune.IsNotNull:
				default:
					return connectors.Unsupported
				}
			}
		}
		return connectors.Exact
	}
}
