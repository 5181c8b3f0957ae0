package planner

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/connectors/prune"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// partition.go: PostgreSQL's PARTITION BY clause on CREATE TABLE maps onto the partition_by
// storage option; partitions are then created automatically on write (no PARTITION OF):
//
//	PARTITION BY LIST (region)                          -> partition_by = 'region'
//	PARTITION BY RANGE (date_trunc('day', ts))          -> 'day(ts)' (also 'month', 'year')
//	PARTITION BY RANGE (ts)      -- date or timestamp   -> 'day(ts)'
//	PARTITION BY RANGE (id) WITH (partition_width = 1000) -> 'range(id, 1000)'
//
// HASH partitioning and several partition columns are not supported. The options are then
// validated like WITH (partition_by = ...) (prune.ParseLayout).

func (b *binder) bindPartitionBy(ps *pg.PartitionSpec, t *catalog.Table) error {
	if ps == nil {
		return b.validateLayout(*t)
	}
	if t.Options[prune.OptPartitionBy] != "" {
		return b.errAt(ps.Location, logical.Errorf(errs.ErrInvalidArgument, "PARTITION BY and WITH (partition_by = ...) cannot both be given"))
	}
	if len(ps.PartParams) != 1 {
		return b.errAt(ps.Location, notSupported("partitioning on more than one column is not supported; cluster_by sorts inside partitions"))
	}
	el := ps.PartParams[0].GetPartitionElem()
	if el == nil {
		return b.errAt(ps.Location, notSupported("this partition key is not supported"))
	}
	col, transform := el.Name, ""
	if el.Expr != nil {
		fc := el.Expr.GetFuncCall()
		if fc == nil || lowerName(fc.Funcname) != "date_trunc" || len(fc.Args) != 2 || fc.Args[1].GetColumnRef() == nil {
			return b.errAt(ps.Location, notSupported("partition key expressions other than date_trunc('day'|'month'|'year', column) are not supported"))
		}
		unit, err := b.constText(fc.Args[0], "a date_trunc unit")
		if err != nil {
			return err
		}
		transform = strings.ToLower(unit)
		if transform != "day" && transform != "month" && transform != "year" {
			return b.errAt(ps.Location, notSupported("partitioning by date_trunc('%s', ...) is not supported (day, month or year)", unit))
		}
		f := fc.Args[1].GetColumnRef().Fields
		col = strVal(f[len(f)-1])
	}
	var typ catalog.Type
	for _, c := range t.Columns {
		if c.Name == col {
			typ = c.Type
		}
	}
	if typ.Kind == catalog.TypeUnknown {
		return b.errAt(ps.Location, logical.Errorf(errs.ErrNotFound, "column \"%s\" named in partition key does not exist", col))
	}
	spec := col
	switch ps.Strategy {
	case pg.PartitionStrategy_PARTITION_STRATEGY_LIST:
		if transform != "" {
			spec = transform + "(" + col + ")"
		}
	case pg.PartitionStrategy_PARTITION_STRATEGY_RANGE:
		switch {
		case transform != "":
			spec = transform + "(" + col + ")"
		case typ.Kind == catalog.TypeDate || typ.Kind == catalog.TypeTimestamp || typ.Kind == catalog.TypeTimestampTZ:
			spec = "day(" + col + ")"
		case t.Options["partition_width"] != "":
			spec = fmt.Sprintf("range(%s, %s)", col, t.Options["partition_width"])
		default:
			return b.errAt(ps.Location, logical.Errorf(errs.ErrInvalidArgument,
				"PARTITION BY RANGE (%s) needs WITH (partition_width = N) for a column of type %s", col, typ))
		}
	default:
		return b.errAt(ps.Location, notSupported("PARTITION BY HASH is not supported; use LIST or RANGE"))
	}
	if t.Options == nil {
		t.Options = map[string]string{}
	}
	t.Options[prune.OptPartitionBy] = spec
	delete(t.Options, "partition_width")
	return b.validateLayout(*t)
}

func (b *binder) validateLayout(t catalog.Table) error {
	_, err := prune.ParseLayout(t)
	return err
}
