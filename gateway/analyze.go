package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// explainAnalyze runs the ticket's plan to the end with per-operator profiling and returns
// the EXPLAIN ANALYZE text: the logical plan, then the physical operators with their actual
// rows, batches, time and peak memory, then the query's totals.
func (s *Server) explainAnalyze(ctx context.Context, tp ticketPayload) ([]string, error) {
	an, ok := s.exec.(flightnodes.Analyzer)
	if !ok {
		return nil, errs.Errorf(errs.ErrNotSupported, "EXPLAIN ANALYZE on this executor")
	}
	var scanned atomic.Int64
	ctx = files.WithBytesCounter(ctx, &scanned)
	start := time.Now()
	op, prof, err := an.RunAnalyzed(ctx, &proto.Fragment{QueryID: tp.QueryID, Tenant: tp.Tenant, Plan: tp.Plan})
	if err != nil {
		return nil, err
	}
	rows, err := drain(ctx, op, func(arrow.RecordBatch) error { return nil })
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	var lines []string
	if len(tp.Lines) > 0 {
		lines = append(lines, "Logical plan:")
		for _, l := range tp.Lines {
			lines = append(lines, "  "+l)
		}
	}
	lines = append(lines, "Physical plan (actual):")
	for _, l := range strings.Split(strings.TrimRight(prof.String(), "\n"), "\n") {
		lines = append(lines, "  "+l)
	}
	lines = append(lines,
		fmt.Sprintf("Rows: %d", rows),
		fmt.Sprintf("Bytes scanned: %d", scanned.Load()),
		fmt.Sprintf("Execution time: %.3f ms", float64(elapsed.Microseconds())/1000))
	return lines, nil
}

// ResultMetadata is the JSON app metadata on the last batch of every query result: the
// query's totals, known only once it has run.
type ResultMetadata struct {
	QueryID      string `json:"query_id"`
	Rows         int64  `json:"rows"`
	BytesScanned int64  `json:"bytes_scanned"`
}

func resultMetadata(queryID string, rows, scanned int64) []byte {
	b, _ := json.Marshal(ResultMetadata{QueryID: queryID, Rows: rows, BytesScanned: scanned})
	return b
}
