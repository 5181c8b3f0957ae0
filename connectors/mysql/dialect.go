package mysql

import (
	"encoding/hex"
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/connectors/remotesql"
)

// Dialect is MySQL's and MariaDB's.
type Dialect struct{}

var _ remotesql.Dialect = Dialect{}

// QuoteIdent backquotes a name, doubling embedded backquotes.
func (Dialect) QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func (Dialect) Literal(v prune.Value, t catalog.Type) (string, bool) {
	switch t.Kind {
	case catalog.TypeText:
		if v.Kind != prune.KindString {
			return "", false
		}
		// a hex literal carries any bytes whatever sql_mode says about backslashes
		if v.S == "" {
			return "''", true
		}
		return "X'" + hex.EncodeToString([]byte(v.S)) + "'", true
	case catalog.TypeBool:
		if v.Kind != prune.KindBool {
			return "", false
		}
		if v.I != 0 {
			return "1", true
		}
		return "0", true
	case catalog.TypeDate:
		if v.Kind != prune.KindInt {
			return "", false
		}
		return "DATE '" + remotesql.DateText(v.I) + "'", true
	case catalog.TypeTimestamp, catalog.TypeTimestampTZ: // the session's time zone is UTC
		if v.Kind != prune.KindInt {
			return "", false
		}
		return "TIMESTAMP '" + remotesql.TimestampText(v.I) + "'", true
	}
	return remotesql.Number(v, t)
}

// Compared compares text as bytes (MySQL's collations ignore case and trailing spaces;
// Tern's text compares bytes).
func (Dialect) Compared(col string, t catalog.Type) string {
	if t.Kind == catalog.TypeText {
		return "CAST(" + col + " AS BINARY)"
	}
	return col
}

func (Dialect) Selected(col string, _ catalog.Type) string { return col }

// OrderKey places NULLs with an IS NULL key (MySQL has no NULLS FIRST/LAST) and orders text
// by bytes.
func (d Dialect) OrderKey(col string, t catalog.Type, desc, nullsFirst bool) (string, bool) {
	nulls := col + " IS NULL ASC"
	if nullsFirst {
		nulls = col + " IS NULL DESC"
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	return nulls + ", " + d.Compared(col, t) + dir, true
}
