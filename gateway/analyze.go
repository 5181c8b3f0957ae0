package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/exec"
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
	start := time.Now()
	stream, prof, err := an.RunAnalyzed(ctx, &proto.Fragment{QueryID: tp.QueryID, Tenant: tp.Tenant, Plan: tp.Plan})
	if err != nil {
		return nil, err
	}
	if _, err := exec.ForEachBatch(ctx, stream, func(arrow.RecordBatch) error { return nil }); err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	st := stream.FragmentStats()
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
		fmt.Sprintf("Rows: %d", st.GetRows()),
		fmt.Sprintf("Bytes scanned: %d", st.GetBytesScanned()),
		fmt.Sprintf("Execution time: %.3f ms", float64(elapsed.Microseconds())/1000))
	return lines, nil
}
