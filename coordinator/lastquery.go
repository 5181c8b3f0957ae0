package coordinator

import (
	"regexp"
	"time"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// lastquery.go: every statement's outcome (job id, text, rows, bytes scanned, times, status)
// is recorded for the query history (tern.last_query(), planner), which answers it to clients
// that cannot read a stream's app metadata. The front end stores the record with the caller's
// session, best effort.

const maxRecordedText = 4096

// NewQueryRecord begins the record of a statement: id is its query id ("" for a new one);
// passwords are masked and long texts cut.
func NewQueryRecord(id, text string) catalog.QueryRecord {
	if id == "" {
		id = newID()
	}
	text = redactPasswords(text)
	if len(text) > maxRecordedText {
		text = text[:maxRecordedText]
	}
	return catalog.QueryRecord{QueryID: id, Text: text, Started: time.Now().UTC()}
}

// EndQueryRecord completes rec with the statement's outcome; the error is worded as the
// client was told it (an Internal error without detail).
func EndQueryRecord(rec *catalog.QueryRecord, rows, bytes int64, err error) {
	rec.Ended = time.Now().UTC()
	rec.Rows, rec.BytesScanned = rows, bytes
	rec.Status = "ok"
	if err != nil {
		rec.Status = "error"
		if c := errs.Code(err); c == codes.Canceled || c == codes.DeadlineExceeded {
			rec.Status = "cancelled"
		}
		rec.Error = status.Convert(errs.ToStatus(err)).Message()
	}
}

var (
	roleStatement = regexp.MustCompile(`(?is)^\s*(create|alter)\s+(user|role|server|foreign\s+table)\b`)
	stringLiteral = regexp.MustCompile(`(?s)[eE]?'(?:[^'\\]|''|\\.)*'|\$[A-Za-z_0-9]*\$.*?\$[A-Za-z_0-9]*\$`)
)

// redactPasswords masks every string literal of CREATE/ALTER USER|ROLE (PASSWORD) and of
// CREATE/ALTER SERVER, USER MAPPING and FOREIGN TABLE (federation's OPTIONS may hold
// passwords and keys), which must never be kept in the query history (tern.last_query()) or
// shown back.
func redactPasswords(text string) string {
	if !roleStatement.MatchString(text) {
		return text
	}
	return stringLiteral.ReplaceAllString(text, "'********'")
}
