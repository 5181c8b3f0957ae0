package gateway

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/proto/errs"
)

// DoPutCommandStatementIngest bulk-loads the client's batches into a native table
// (CommandStatementIngest; ADBC's adbc.ingest.* statement options). The gateway validates the
// stream (ipcstream.go), resolves the table (schema, the session's temporary schema
// pg_temp_<session id> for temporary=true, which CloseSession empties), the transaction and
// the options (TABLE_NOT_EXIST_OPTION_CREATE / FAIL, TABLE_EXISTS_OPTION_FAIL / APPEND /
// REPLACE); the coordinator loads it (coordinator/ingest.go: creation with its rows, appends
// retried over concurrent appends, replace in one snapshot).
func (s *Server) DoPutCommandStatementIngest(ctx context.Context, cmd flightsql.StatementIngest, rdr flight.MessageReader) (int64, error) {
	rdr = checkedBatches(rdr) // ipcstream.go: every batch validated before use
	sess, err := session(ctx)
	if err != nil {
		return 0, err
	}
	if err := coordinator.RefuseDryRun(sess, "bulk ingest"); err != nil { // before anything is created
		return 0, err
	}
	if cmd.GetTable() == "" {
		return 0, errs.Errorf(errs.ErrInvalidArgument, "ingest needs a target table")
	}
	if c := cmd.GetCatalog(); c != "" && c != catalog.CatalogName {
		return 0, errs.Errorf(errs.ErrNotFound, "catalog %q does not exist", c)
	}
	ref := catalog.TableRef{Tenant: sess.Tenant, Schema: sess.Schema, Name: cmd.GetTable()}
	if cmd.GetSchema() != "" {
		ref.Schema = cmd.GetSchema()
	}
	if cmd.GetTemporary() {
		st, err := s.ensureTempSchema(ctx) // session.go
		if err != nil {
			return 0, err
		}
		ref.Schema = st.tempSchema()
	}
	var tx *txnState
	if id := cmd.GetTransactionId(); len(id) > 0 {
		if tx, err = s.openTxn(ctx, id); err != nil {
			return 0, err
		}
	}

	req := coordinator.IngestRequest{Ref: ref}
	if opts := cmd.GetTableDefinitionOptions(); opts != nil {
		if opts.IfNotExist == flightsql.TableDefinitionOptionsTableNotExistOptionFail {
			req.IfMissing = coordinator.IngestFail
		}
		switch opts.IfExists {
		case flightsql.TableDefinitionOptionsTableExistsOptionAppend:
			req.IfExists = coordinator.ExistsAppend
		case flightsql.TableDefinitionOptionsTableExistsOptionReplace:
			req.IfExists = coordinator.ExistsReplace
		}
	}
	if sc := rdr.Schema(); sc == nil {
		if err := rdr.Err(); err != nil {
			return 0, err
		}
	}
	return s.coord.Ingest(ctx, coordinator.Session{Session: sess, Txn: tx}, req, rdr)
}
