package gateway

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	pb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Helpers of the wire tests (wire_test.go, fuzz_wire_test.go): real Arrow IPC streams as
// Flight messages, to mutate and send raw.

// captureStream collects the FlightData a flight.Writer sends.
type captureStream struct{ msgs []*flight.FlightData }

func (c *captureStream) Send(fd *flight.FlightData) error {
	c.msgs = append(c.msgs, proto.Clone(fd).(*flight.FlightData))
	return nil
}

// ipcMessages encodes recs (one schema) as the Flight messages of a DoPut stream.
func ipcMessages(t testing.TB, recs ...arrow.RecordBatch) []*flight.FlightData {
	t.Helper()
	var c captureStream
	w := flight.NewRecordWriter(&c, ipc.WithSchema(recs[0].Schema()))
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return c.msgs
}

// sampleBatch has the column kinds whose layout has offsets, children and validity bitmaps.
func sampleBatch(mem memory.Allocator, rows int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for i := 0; i < rows; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%3 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append("name-" + string(rune('a'+i%26)))
		}
		b.Field(2).(*array.Float64Builder).Append(float64(i) / 2)
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
	}
	return b.NewRecordBatch()
}

func ingestDescriptor(t testing.TB, table string) *flight.FlightDescriptor {
	t.Helper()
	return anyDescriptor(t, &pb.CommandStatementIngest{
		Table: table,
		TableDefinitionOptions: &pb.CommandStatementIngest_TableDefinitionOptions{
			IfNotExist: pb.CommandStatementIngest_TableDefinitionOptions_TABLE_NOT_EXIST_OPTION_CREATE,
			IfExists:   pb.CommandStatementIngest_TableDefinitionOptions_TABLE_EXISTS_OPTION_REPLACE,
		},
	})
}

// anyDescriptor is a CMD descriptor of an Any-wrapped Flight SQL command.
func anyDescriptor(t testing.TB, m proto.Message) *flight.FlightDescriptor {
	t.Helper()
	cmd, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: raw}
}

// rawDoPut sends msgs (the first carrying desc) on a DoPut and returns the call's outcome.
func rawDoPut(ctx context.Context, cl flight.FlightServiceClient, desc *flight.FlightDescriptor, msgs []*flight.FlightData) error {
	stream, err := cl.DoPut(ctx)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		m = proto.Clone(m).(*flight.FlightData)
		if i == 0 {
			m.FlightDescriptor = desc
		}
		if err := stream.Send(m); err != nil {
			break // the server ended the call: its status comes from Recv
		}
	}
	if err := stream.CloseSend(); err != nil {
		return err
	}
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// sliceStream replays messages as a DoPut stream (in-process harnesses).
type sliceStream struct {
	msgs []*flight.FlightData
	i    int
}

func (s *sliceStream) Recv() (*flight.FlightData, error) {
	if s.i >= len(s.msgs) {
		return nil, io.EOF
	}
	s.i++
	return s.msgs[s.i-1], nil
}

func cloneMsgs(msgs []*flight.FlightData) []*flight.FlightData {
	out := make([]*flight.FlightData, len(msgs))
	for i, m := range msgs {
		out[i] = proto.Clone(m).(*flight.FlightData)
	}
	return out
}
