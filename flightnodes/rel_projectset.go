package flightnodes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"

	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/functions"
	"github.com/tern-db/tern/proto/errs"
	"github.com/tern-db/tern/proto/planpb"
)

// projectSetRel compiles an ExtensionSingleRel with a planpb.ProjectSet detail
// (proto/planpb/projectset.proto): set-returning functions from the registry over input
// fields.
func (c *compiler) projectSetRel(r *substraitpb.ExtensionSingleRel) (exec.Operator, error) {
	var d planpb.ProjectSet
	if err := r.GetDetail().UnmarshalTo(&d); err != nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "project set detail: %v", err)
	}
	in, err := c.rel(r.GetInput())
	if err != nil {
		return nil, err
	}
	s := in.Schema()
	var calls []exec.SetCall
	for i, pc := range d.GetCalls() {
		fn, ok := functions.SetFuncByID(pc.GetFunction())
		if !ok {
			return nil, errs.Errorf(errs.ErrNotSupported, "set-returning function %q", pc.GetFunction())
		}
		call := exec.SetCall{Name: fmt.Sprintf("set%d", i)}
		var types []arrow.DataType
		for _, a := range pc.GetArgs() {
			if a < 0 || int(a) >= s.NumFields() {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "set-returning function argument %d out of range", a)
			}
			call.Args = append(call.Args, int(a))
			types = append(types, s.Field(int(a)).Type)
		}
		if call.Out, err = fn.Out(types); err != nil {
			return nil, err
		}
		if call.Fn, err = fn.New(call.Out); err != nil {
			return nil, err
		}
		calls = append(calls, call)
	}
	op, err := exec.NewProjectSet(c.env, in, calls, d.GetOrdinality())
	if err != nil {
		return nil, err
	}
	c.track(op)
	return op, nil
}
