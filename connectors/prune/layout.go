package prune

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/proto/errs"
)

// Table storage options (CREATE TABLE ... WITH (...)).
const (
	OptPartitionBy = "partition_by"        // 'col' | 'day(col)' | 'month(col)' | 'year(col)' | 'range(col, width)'
	OptClusterBy   = "cluster_by"          // 'a, b' (up to four columns)
	OptRetention   = "snapshot_retention"  // how long replaced snapshots stay readable: '7 days', '36 hours', '0'
	OptTargetFile  = "target_file_size_mb" // compaction's target file size
)

// MaxClusterColumns bounds cluster_by.
const MaxClusterColumns = 4

// Transform says how a partition key is derived from the partition column.
type Transform uint8

const (
	Identity Transform = iota
	Day
	Month
	Year
	Range
)

var transformNames = [...]string{"identity", "day", "month", "year", "range"}

func (t Transform) String() string { return transformNames[t] }

// PartitionSpec is a table's partitioning: every data file holds rows of one key.
type PartitionSpec struct {
	Col       int // column index
	Name      string
	Transform Transform
	Width     int64 // Range only
	typ       catalog.Type
}

// NullPartition is the key of the rows whose partition column is NULL.
const NullPartition = "null"

// Layout is a table's physical layout from its options.
type Layout struct {
	Partition *PartitionSpec // nil: unpartitioned
	Cluster   []int          // column indexes to sort by inside each file
}

// ParseLayout validates and parses the partition_by and cluster_by options of t.
func ParseLayout(t catalog.Table) (Layout, error) {
	var l Layout
	if s := strings.TrimSpace(t.Options[OptPartitionBy]); s != "" {
		spec, err := parsePartition(t, s)
		if err != nil {
			return l, err
		}
		l.Partition = spec
	}
	if s := strings.TrimSpace(t.Options[OptClusterBy]); s != "" {
		for _, name := range strings.Split(s, ",") {
			i, err := columnIndex(t, name)
			if err != nil {
				return l, err
			}
			if slicesContains(l.Cluster, i) {
				return l, errs.Errorf(errs.ErrInvalidArgument, "cluster_by names column %q twice", t.Columns[i].Name)
			}
			if KindOf(t.Columns[i].Type) == KindNone {
				return l, errs.Errorf(errs.ErrInvalidArgument, "cannot cluster by column %q of type %s", t.Columns[i].Name, t.Columns[i].Type)
			}
			l.Cluster = append(l.Cluster, i)
		}
		if len(l.Cluster) > MaxClusterColumns {
			return l, errs.Errorf(errs.ErrInvalidArgument, "cluster_by takes at most %d columns", MaxClusterColumns)
		}
	}
	if s, ok := t.Options[OptRetention]; ok {
		if _, err := ParseDuration(s); err != nil {
			return l, err
		}
	}
	return l, nil
}

func slicesContains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func columnIndex(t catalog.Table, name string) (int, error) {
	name = strings.Trim(strings.TrimSpace(name), `"`)
	for i, c := range t.Columns {
		if c.Name == name {
			return i, nil
		}
	}
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i, nil
		}
	}
	return 0, errs.Errorf(errs.ErrNotFound, "column %q named in the table's storage options does not exist", name)
}

func parsePartition(t catalog.Table, s string) (*PartitionSpec, error) {
	spec := &PartitionSpec{Transform: Identity}
	arg := s
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		fn := strings.ToLower(strings.TrimSpace(s[:i]))
		arg = s[i+1 : len(s)-1]
		switch fn {
		case "day", "days":
			spec.Transform = Day
		case "month", "months":
			spec.Transform = Month
		case "year", "years":
			spec.Transform = Year
		case "range", "bucket_range", "truncate":
			spec.Transform = Range
			parts := strings.Split(arg, ",")
			if len(parts) != 2 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "partition_by %q: range takes a column and a width, as range(col, 1000)", s)
			}
			w, err := strconv.ParseInt(strings.TrimSpace(parts[1]), 10, 64)
			if err != nil || w <= 0 {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "partition_by %q: the range width must be a positive integer", s)
			}
			spec.Width, arg = w, parts[0]
		default:
			return nil, errs.Errorf(errs.ErrInvalidArgument, "partition_by %q: unknown transform %q (day, month, year, range or a plain column)", s, fn)
		}
	}
	i, err := columnIndex(t, arg)
	if err != nil {
		return nil, err
	}
	spec.Col, spec.Name, spec.typ = i, t.Columns[i].Name, t.Columns[i].Type
	k := spec.typ.Kind
	switch spec.Transform {
	case Day, Month, Year:
		if k != catalog.TypeDate && k != catalog.TypeTimestamp && k != catalog.TypeTimestampTZ {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "partition_by %q: %s() needs a date or timestamp column, %q is %s", s, spec.Transform, spec.Name, spec.typ)
		}
	case Range:
		if k != catalog.TypeInt16 && k != catalog.TypeInt32 && k != catalog.TypeInt64 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "partition_by %q: range() needs an integer column, %q is %s", s, spec.Name, spec.typ)
		}
	case Identity:
		if KindOf(spec.typ) == KindNone || k == catalog.TypeFloat32 || k == catalog.TypeFloat64 {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot partition by column %q of type %s", spec.Name, spec.typ)
		}
	}
	return spec, nil
}

const usPerDay = 86400 * 1000000

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Keys returns the partition key of every row of col.
func (p *PartitionSpec) Keys(col arrow.Array) []string {
	n := col.Len()
	out := make([]string, n)
	ints := func(get func(i int) int64) {
		for i := 0; i < n; i++ {
			if col.IsNull(i) {
				out[i] = NullPartition
				continue
			}
			out[i] = "i:" + strconv.FormatInt(p.intKey(get(i)), 10)
		}
	}
	switch x := col.(type) {
	case *array.Date32:
		ints(func(i int) int64 { return int64(x.Value(i)) })
	case *array.Timestamp:
		ints(func(i int) int64 { return int64(x.Value(i)) })
	case *array.Int16:
		ints(func(i int) int64 { return int64(x.Value(i)) })
	case *array.Int32:
		ints(func(i int) int64 { return int64(x.Value(i)) })
	case *array.Int64:
		ints(func(i int) int64 { return x.Value(i) })
	default:
		for i := 0; i < n; i++ {
			if v, ok := ValueAt(col, i); ok {
				out[i] = v.Encode()
			} else {
				out[i] = NullPartition
			}
		}
	}
	return out
}

// intKey maps a value of the partition column (days for dates, microseconds for
// timestamps) onto its partition number.
func (p *PartitionSpec) intKey(v int64) int64 {
	days := v
	if p.typ.Kind == catalog.TypeTimestamp || p.typ.Kind == catalog.TypeTimestampTZ {
		days = floorDiv(v, usPerDay)
	}
	switch p.Transform {
	case Day:
		return days
	case Month:
		y, m, _ := time.Unix(days*86400, 0).UTC().Date()
		return int64(y)*12 + int64(m) - 1
	case Year:
		return int64(time.Unix(days*86400, 0).UTC().Year())
	case Range:
		return floorDiv(v, p.Width) * p.Width
	}
	return v
}

// Display renders a partition key for people (INFORMATION_SCHEMA.PARTITIONS, directories).
func (p *PartitionSpec) Display(key string) string {
	if key == NullPartition {
		return "NULL"
	}
	v := Decode(key)
	if v.Kind == KindInt {
		switch p.Transform {
		case Day:
			return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
		case Month:
			return fmt.Sprintf("%04d-%02d", v.I/12, v.I%12+1)
		case Year:
			return strconv.FormatInt(v.I, 10)
		case Range:
			return fmt.Sprintf("[%d,%d)", v.I, v.I+p.Width)
		}
		if p.typ.Kind == catalog.TypeDate {
			return time.Unix(v.I*86400, 0).UTC().Format("2006-01-02")
		}
		return strconv.FormatInt(v.I, 10)
	}
	if v.Kind == KindString {
		return v.S
	}
	return v.String()
}

// String renders the spec as the partition_by option takes it.
func (p *PartitionSpec) String() string {
	switch p.Transform {
	case Identity:
		return p.Name
	case Range:
		return fmt.Sprintf("range(%s, %d)", p.Name, p.Width)
	}
	return fmt.Sprintf("%s(%s)", p.Transform, p.Name)
}

// ParseDuration parses a retention setting: a Go duration ("36h"), "N days|hours|minutes|
// seconds", or a bare number of days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	f := strings.Fields(s)
	if len(f) == 1 || len(f) == 2 {
		n, err := strconv.ParseFloat(f[0], 64)
		if err == nil && n >= 0 {
			unit := "days"
			if len(f) == 2 {
				unit = f[1]
			}
			mult := map[string]time.Duration{"day": 24 * time.Hour, "days": 24 * time.Hour, "d": 24 * time.Hour,
				"hour": time.Hour, "hours": time.Hour, "h": time.Hour, "minute": time.Minute, "minutes": time.Minute,
				"min": time.Minute, "second": time.Second, "seconds": time.Second, "s": time.Second}[unit]
			if mult > 0 {
				return time.Duration(n * float64(mult)), nil
			}
		}
	}
	return 0, errs.Errorf(errs.ErrInvalidArgument, "invalid duration %q (as '7 days' or '36 hours')", s)
}
