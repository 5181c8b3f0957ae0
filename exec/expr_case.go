package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Case is CASE WHEN c1 THEN r1 ... ELSE e END. Each branch is evaluated only on the rows that
// select it, so `CASE WHEN x = 0 THEN 0 ELSE 1/x END` never divides by zero.
type Case struct {
	whens, thens []Expr
	els          Expr // nil: NULL
	out          arrow.DataType
}

// NewCase builds a CASE expression. Every THEN and the ELSE must have type out.
func NewCase(whens, thens []Expr, els Expr, out arrow.DataType) (*Case, error) {
	if len(whens) == 0 || len(whens) != len(thens) {
		return nil, invalidf("CASE needs matching WHEN and THEN clauses")
	}
	for _, w := range whens {
		if id := w.Type().ID(); id != arrow.BOOL && id != arrow.NULL {
			return nil, invalidf("argument of CASE/WHEN must be type boolean, not type %s", w.Type())
		}
	}
	if out == nil {
		out = thens[0].Type()
	}
	for _, t := range append(append([]Expr(nil), thens...), els) {
		if t != nil && t.Type().ID() != arrow.NULL && !arrow.TypeEqual(t.Type(), out) {
			return nil, invalidf("CASE types %s and %s cannot be matched", t.Type(), out)
		}
	}
	return &Case{whens: whens, thens: thens, els: els, out: out}, nil
}

func (c *Case) Type() arrow.DataType { return c.out }

func (c *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for i := range c.whens {
		fmt.Fprintf(&sb, " WHEN %s THEN %s", c.whens[i], c.thens[i])
	}
	if c.els != nil {
		fmt.Fprintf(&sb, " ELSE %s", c.els)
	}
	sb.WriteString(" END")
	return sb.String()
}

type casePart struct {
	rows []int32 // original row numbers, nil: all rows in order
	arr  arrow.Array
}

func (c *Case) Eval(ctx context.Context, b arrow.RecordBatch, mem memory.Allocator) (arrow.Array, error) {
	n := int(b.NumRows())
	cctx := compute.WithAllocator(ctx, mem)
	var parts []casePart
	release := func() {
		for _, p := range parts {
			p.arr.Release()
		}
	}
	cur := b
	cur.Retain()
	defer func() { cur.Release() }()
	var idx []int32 // original row numbers of cur's rows; nil: identity
	evalOn := func(e Expr, rb arrow.RecordBatch) (arrow.Array, error) {
		if e == nil {
			return array.MakeArrayOfNull(mem, c.out, int(rb.NumRows())), nil
		}
		a, err := e.Eval(ctx, rb, mem)
		if err != nil {
			return nil, err
		}
		if a.DataType().ID() == arrow.NULL && c.out.ID() != arrow.NULL {
			l := a.Len()
			a.Release()
			return array.MakeArrayOfNull(mem, c.out, l), nil
		}
		return a, nil
	}
	for k := 0; k < len(c.whens) && cur.NumRows() > 0; k++ {
		cn := int(cur.NumRows())
		cond, err := evalOn(c.whens[k], cur)
		if err != nil {
			release()
			return nil, err
		}
		if cond.DataType().ID() != arrow.BOOL {
			cond.Release()
			continue // NULL condition: selects nothing
		}
		sel := selectedBits(cond)
		cond.Release()
		cnt := bitutil.CountSetBits(sel, 0, cn)
		if cnt == 0 {
			continue
		}
		if cnt == cn {
			a, err := evalOn(c.thens[k], cur)
			if err != nil {
				release()
				return nil, err
			}
			parts = append(parts, casePart{rows: idx, arr: a})
			idx = []int32{}
			cur.Release()
			cur = array.NewRecordBatch(b.Schema(), nil, 0)
			break
		}
		yes, yesIdx, err := filterBatch(cctx, mem, cur, sel, idx, false)
		if err != nil {
			release()
			return nil, err
		}
		a, err := evalOn(c.thens[k], yes)
		yes.Release()
		if err != nil {
			release()
			return nil, err
		}
		parts = append(parts, casePart{rows: yesIdx, arr: a})
		no, noIdx, err := filterBatch(cctx, mem, cur, sel, idx, true)
		if err != nil {
			release()
			return nil, err
		}
		cur.Release()
		cur, idx = no, noIdx
	}
	if cur.NumRows() > 0 || len(parts) == 0 {
		a, err := evalOn(c.els, cur)
		if err != nil {
			release()
			return nil, err
		}
		parts = append(parts, casePart{rows: idx, arr: a})
	}
	if len(parts) == 1 && parts[0].rows == nil {
		return parts[0].arr, nil
	}
	// Scatter: concatenate the parts and take them back into row order.
	arrs := make([]arrow.Array, 0, len(parts))
	inv := make([]int32, n)
	pos := int32(0)
	for _, p := range parts {
		if p.arr.Len() == 0 {
			continue
		}
		arrs = append(arrs, p.arr)
		for j, r := range p.rows {
			inv[r] = pos + int32(j)
		}
		pos += int32(len(p.rows))
	}
	var all arrow.Array
	if len(arrs) == 1 {
		all = arrs[0]
		all.Retain()
	} else {
		var err error
		all, err = array.Concatenate(arrs, mem)
		if err != nil {
			release()
			return nil, fmt.Errorf("CASE: %w", err)
		}
	}
	release()
	defer all.Release()
	ib, iv := newFixed[int32](mem, n)
	copy(iv, inv)
	indices := makeFixed(arrow.PrimitiveTypes.Int32, n, nil, ib, 0)
	defer indices.Release()
	return compute.TakeArray(cctx, all, indices)
}

// selectedBits returns an offset-0 bitmap of the rows where cond is TRUE (not NULL).
func selectedBits(cond arrow.Array) []byte {
	n := cond.Len()
	value, valid := boolPlanes(operand{arr: cond}, n)
	for i := range value {
		value[i] &= valid[i]
	}
	if n%8 != 0 && len(value) > 0 {
		value[len(value)-1] &= byte(1<<(n%8)) - 1
	}
	return value
}

// filterBatch keeps the rows of rb whose bit in sel is set (invert: clear), and maps their
// original row numbers through idx (nil: identity).
func filterBatch(ctx context.Context, mem memory.Allocator, rb arrow.RecordBatch, sel []byte, idx []int32, invert bool) (arrow.RecordBatch, []int32, error) {
	n := int(rb.NumRows())
	mask := newBitmap(mem, n)
	mb := mask.Bytes()
	copy(mb, sel)
	if invert {
		invertBits(mb, n)
	}
	var rows []int32
	for i := 0; i < n; i++ {
		if bitutil.BitIsSet(mb, i) {
			if idx == nil {
				rows = append(rows, int32(i))
			} else {
				rows = append(rows, idx[i])
			}
		}
	}
	m := makeBool(n, nil, mask, 0)
	defer m.Release()
	out, err := compute.FilterRecordBatch(ctx, rb, m, compute.DefaultFilterOptions())
	if err != nil {
		return nil, nil, fmt.Errorf("CASE: %w", err)
	}
	return out, rows, nil
}
