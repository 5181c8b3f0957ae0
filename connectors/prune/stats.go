package prune

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
)

// Acc accumulates one column's min, max and null count over arrays of one type.
type Acc struct {
	Min, Max Value
	Nulls    int64
	noMax    bool // a value was too long (strings) or NaN (floats): the maximum is unknown
}

// Add folds arr into the accumulator.
func (a *Acc) Add(arr arrow.Array) {
	a.Nulls += int64(arr.NullN())
	n := arr.Len()
	valid := func(i int) bool { return arr.NullN() == 0 || arr.IsValid(i) }
	switch x := arr.(type) {
	case *array.Int16:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Int(int64(x.Value(i))))
			}
		}
	case *array.Int32:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Int(int64(x.Value(i))))
			}
		}
	case *array.Int64:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Int(x.Value(i)))
			}
		}
	case *array.Date32:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Int(int64(x.Value(i))))
			}
		}
	case *array.Timestamp:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Int(int64(x.Value(i))))
			}
		}
	case *array.Float32:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.addFloat(float64(x.Value(i)))
			}
		}
	case *array.Float64:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.addFloat(x.Value(i))
			}
		}
	case *array.Boolean:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Bool(x.Value(i)))
			}
		}
	case *array.Decimal128:
		for i := 0; i < n; i++ {
			if valid(i) {
				a.add(Decimal(x.Value(i)))
			}
		}
	case *array.String:
		for i := 0; i < n; i++ {
			if !valid(i) {
				continue
			}
			s := x.Value(i)
			if a.Min.Kind == KindNone || s < a.Min.S {
				a.Min = String(cut(s))
			}
			if len(s) > maxStringStat {
				a.noMax = true
			} else if a.Max.Kind == KindNone || s > a.Max.S {
				a.Max = String(s)
			}
		}
	}
}

func cut(s string) string {
	if len(s) > maxStringStat {
		return s[:maxStringStat]
	}
	return s
}

func (a *Acc) addFloat(f float64) {
	if math.IsNaN(f) { // PostgreSQL orders NaN above every number
		a.noMax = true
		return
	}
	a.add(Float(f))
}

func (a *Acc) add(v Value) {
	if a.Min.Kind == KindNone || Compare(v, a.Min) < 0 {
		a.Min = v
	}
	if a.Max.Kind == KindNone || Compare(v, a.Max) > 0 {
		a.Max = v
	}
}

// Merge folds another accumulator of the same column into a.
func (a *Acc) Merge(b Acc) {
	a.Nulls += b.Nulls
	a.noMax = a.noMax || b.noMax
	if b.Min.Kind != KindNone {
		a.add(b.Min)
	}
	if b.Max.Kind != KindNone {
		a.add(b.Max)
	}
}

// Stats returns the accumulated statistics (Bytes left to the caller).
func (a *Acc) Stats() catalog.ColumnStats {
	st := catalog.ColumnStats{Min: a.Min.Encode(), Nulls: a.Nulls}
	if !a.noMax {
		st.Max = a.Max.Encode()
	}
	return st
}

// ValueAt returns row i of arr as a Value (ok false for NULL or an unsupported type).
func ValueAt(arr arrow.Array, i int) (Value, bool) {
	if arr.IsNull(i) {
		return Value{}, false
	}
	switch x := arr.(type) {
	case *array.Int16:
		return Int(int64(x.Value(i))), true
	case *array.Int32:
		return Int(int64(x.Value(i))), true
	case *array.Int64:
		return Int(x.Value(i)), true
	case *array.Date32:
		return Int(int64(x.Value(i))), true
	case *array.Timestamp:
		return Int(int64(x.Value(i))), true
	case *array.Float32:
		return Float(float64(x.Value(i))), true
	case *array.Float64:
		return Float(x.Value(i)), true
	case *array.Boolean:
		return Bool(x.Value(i)), true
	case *array.Decimal128:
		return Decimal(x.Value(i)), true
	case *array.String:
		return String(x.Value(i)), true
	}
	return Value{}, false
}
