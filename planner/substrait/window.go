package substrait

import (
	pb "github.com/substrait-io/substrait-protobuf/go/substraitpb"
	ext "github.com/substrait-io/substrait-protobuf/go/substraitpb/extensions"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// windowFrames writes the frames Substrait's window bounds cannot say (GROUPS, EXCLUDE,
// non-integer RANGE distances) as a planpb.WindowFrames enhancement of wr; nothing when every
// frame is standard.
func windowFrames(wr *pb.ConsistentPartitionWindowRel, funcs []*logical.WindowFunc) error {
	need := false
	wf := &planpb.WindowFrames{}
	for _, f := range funcs {
		fr := &planpb.WindowFrame{Groups: f.Frame.Groups, Exclude: planpb.FrameExclude(f.Frame.Exclude),
			Lower: rangeOffset(f.Frame.Start), Upper: rangeOffset(f.Frame.End)}
		if fr.Groups || fr.Exclude != planpb.FrameExclude_FRAME_EXCLUDE_NO_OTHERS || fr.Lower != nil || fr.Upper != nil {
			need = true
		}
		wf.Functions = append(wf.Functions, fr)
	}
	if !need {
		return nil
	}
	detail, err := anypb.New(wf)
	if err != nil {
		return errs.Errorf(errs.ErrInternal, "encoding window frames: %v", err)
	}
	wr.AdvancedExtension = &ext.AdvancedExtension{Enhancement: detail}
	return nil
}

func rangeOffset(b logical.Bound) *planpb.RangeOffset {
	if b.Kind != logical.Preceding && b.Kind != logical.Following {
		return nil
	}
	switch {
	case b.Span != nil:
		return &planpb.RangeOffset{Offset: &planpb.RangeOffset_Interval{Interval: &planpb.IntervalOffset{
			Months: b.Span.Months, Days: b.Span.Days, Micros: b.Span.Micros}}}
	case b.NumOffset:
		return &planpb.RangeOffset{Offset: &planpb.RangeOffset_Number{Number: b.Num}}
	}
	return nil
}
