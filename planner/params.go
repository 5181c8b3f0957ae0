package planner

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// checkParamCount refuses a statement run with more or fewer parameter values than it has
// placeholders ($1..$n or ?): a value bound to nothing is as much a client bug as a
// placeholder left without a value.
func checkParamCount(placeholders, values int) error {
	if placeholders == values {
		return nil
	}
	return logical.Errorf(errs.ErrInvalidArgument,
		"bind message supplies %d parameters, but prepared statement requires %d", values, placeholders)
}

// scalarValue converts a parameter value into a literal value and its SQL type.
func scalarValue(s scalar.Scalar) (catalog.Type, any, error) {
	if s == nil || !s.IsValid() {
		return catalog.Type{}, nil, nil
	}
	switch v := s.(type) {
	case *scalar.Boolean:
		return catalog.Bool, v.Value, nil
	case *scalar.Int8:
		return catalog.Int16, int64(v.Value), nil
	case *scalar.Int16:
		return catalog.Int16, int64(v.Value), nil
	case *scalar.Int32:
		return catalog.Int32, int64(v.Value), nil
	case *scalar.Int64:
		return catalog.Int64, v.Value, nil
	case *scalar.Uint8:
		return catalog.Int16, int64(v.Value), nil
	case *scalar.Uint16:
		return catalog.Int32, int64(v.Value), nil
	case *scalar.Uint32:
		return catalog.Int64, int64(v.Value), nil
	case *scalar.Float32:
		return catalog.Float32, float64(v.Value), nil
	case *scalar.Float64:
		return catalog.Float64, v.Value, nil
	case *scalar.String:
		return catalog.Type{}, string(v.Data()), nil
	case *scalar.LargeString:
		return catalog.Type{}, string(v.Data()), nil
	case *scalar.Decimal128:
		dt := v.Type.(*arrow.Decimal128Type)
		return catalog.Numeric(dt.Precision, dt.Scale), v.Value, nil
	case *scalar.Date32:
		return catalog.Date, int32(v.Value), nil
	case *scalar.Timestamp:
		dt := v.Type.(*arrow.TimestampType)
		us := int64(v.Value)
		switch dt.Unit {
		case arrow.Second:
			us *= 1_000_000
		case arrow.Millisecond:
			us *= 1000
		case arrow.Nanosecond:
			us /= 1000
		}
		if dt.TimeZone != "" {
			return catalog.TimestampTZ, us, nil
		}
		return catalog.Timestamp, us, nil
	}
	return catalog.Type{}, nil, logical.Errorf(errs.ErrNotSupported, "parameters of type %s are not supported yet", s.DataType())
}
