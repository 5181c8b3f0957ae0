package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/proto/errs"
)

// NewUnnest is unnest(array): one row per element, NULL elements included; a NULL or
// empty array gives the empty set. out is the element type.
func NewUnnest(out arrow.DataType) (SetFunc, error) {
	if out == nil {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "unnest without an element type")
	}
	return unnestFunc{}, nil
}

type unnestFunc struct{}

func (unnestFunc) Start(args []arrow.Array, row int) (SetIter, error) {
	if len(args) != 1 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "unnest with %d arguments", len(args))
	}
	l, ok := args[0].(*array.List)
	if !ok || l.IsNull(row) {
		return emptyIter{}, nil
	}
	s, e := l.ValueOffsets(row)
	return &elemIter{vals: l.ListValues(), cur: int(s), end: int(e)}, nil
}

// elemIter walks elements cur..end of vals.
type elemIter struct {
	vals     arrow.Array
	cur, end int
}

func (it *elemIter) More() bool { return it.cur < it.end }

func (it *elemIter) Append(b array.Builder) {
	appendElem(b, it.vals, it.cur)
	it.cur++
}

// appendElem appends element j of a to b (a builder of a's type).
func appendElem(b array.Builder, a arrow.Array, j int) {
	if a.IsNull(j) {
		b.AppendNull()
		return
	}
	switch x := a.(type) {
	case *array.Boolean:
		b.(*array.BooleanBuilder).Append(x.Value(j))
	case *array.Int16:
		b.(*array.Int16Builder).Append(x.Value(j))
	case *array.Int32:
		b.(*array.Int32Builder).Append(x.Value(j))
	case *array.Int64:
		b.(*array.Int64Builder).Append(x.Value(j))
	case *array.Float32:
		b.(*array.Float32Builder).Append(x.Value(j))
	case *array.Float64:
		b.(*array.Float64Builder).Append(x.Value(j))
	case *array.Decimal128:
		b.(*array.Decimal128Builder).Append(x.Value(j))
	case *array.String:
		b.(*array.StringBuilder).Append(x.Value(j))
	case *array.Date32:
		b.(*array.Date32Builder).Append(x.Value(j))
	case *array.Timestamp:
		b.(*array.TimestampBuilder).Append(x.Value(j))
	case *array.MonthDayNanoInterval:
		b.(*array.MonthDayNanoIntervalBuilder).Append(x.Value(j))
	case *array.List:
		lb := b.(*array.ListBuilder)
		lb.Append(true)
		s, e := x.ValueOffsets(j)
		for k := s; k < e; k++ {
			appendElem(lb.ValueBuilder(), x.ListValues(), int(k))
		}
	default:
		_ = b.AppendValueFromString(a.ValueStr(j))
	}
}

// NewRegexpMatches is regexp_matches(string, pattern [, flags]): one text[] per match (the
// capture groups, or the whole match without groups); the first match only unless flags
// hold g. No match: the empty set.
func NewRegexpMatches(out arrow.DataType) (SetFunc, error) {
	if out.ID() != arrow.LIST {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "regexp_matches producing %s", out)
	}
	return &regexpMatches{}, nil
}

type regexpMatches struct{}

func (regexpMatches) Start(args []arrow.Array, row int) (SetIter, error) {
	if len(args) < 2 || len(args) > 3 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "regexp_matches with %d arguments", len(args))
	}
	for _, a := range args {
		if a.IsNull(row) {
			return emptyIter{}, nil
		}
	}
	str := func(k int) string { return args[k].(*array.String).Value(row) }
	flags := ""
	if len(args) == 3 {
		flags = str(2)
	}
	re, global, err := pgRegexp(str(1), flags)
	if err != nil {
		return nil, err
	}
	s := str(0)
	n := 1
	if global {
		n = -1
	}
	ms := re.FindAllStringSubmatchIndex(s, n)
	return &matchIter{s: s, ms: ms}, nil
}

type matchIter struct {
	s  string
	ms [][]int
}

func (it *matchIter) More() bool { return len(it.ms) > 0 }

func (it *matchIter) Append(b array.Builder) {
	m := it.ms[0]
	it.ms = it.ms[1:]
	lb := b.(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	lb.Append(true)
	if len(m) == 2 {
		vb.Append(it.s[m[0]:m[1]])
		return
	}
	for g := 2; g < len(m); g += 2 {
		if m[g] < 0 {
			vb.AppendNull()
		} else {
			vb.Append(it.s[m[g]:m[g+1]])
		}
	}
}
