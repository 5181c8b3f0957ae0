package functions

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// Agg is one aggregate function, usable in an aggregate and as a window aggregate. Result
// types follow PostgreSQL's rules, decided by the binder (exec.AggSpec documents them).
type Agg struct {
	ID   string // logical.AggCall.Fn
	Name string // Substrait function name (a proto constant)
	// URN is the extension; sum/avg/min/max of decimals are under the decimal one (DecimalURN).
	URN        string
	DecimalURN bool
	SQL        []string // SQL names and aliases (every = bool_and)
	Args       int      // value arguments (string_agg: value and delimiter)
	Func       exec.AggFunc
	// Star is the function without arguments (count(*)); ok only where StarOK.
	Star   exec.AggFunc
	StarOK bool
	Render map[string]string // SQL dialect renderers (federation), as Func.Render
	// OrderedSet marks WITHIN GROUP aggregates (aggregates_ordered.go): Args counts their
	// direct arguments (-1: as many as ordering columns, the hypothetical-set ones).
	OrderedSet bool
}

// URNOf returns the extension URN for arguments of types args.
func (a *Agg) URNOf(args []catalog.Type) string {
	if a.DecimalURN && len(args) > 0 && args[0].Kind == catalog.TypeNumeric {
		return proto.URNDecimal
	}
	return a.URN
}

// Compound returns the Substrait compound name; count takes any argument type.
func (a *Agg) Compound(sigs []string) string {
	if a.ID == proto.AggCount && len(sigs) > 0 {
		return a.Name + ":any"
	}
	s := a.Name + ":"
	for i, x := range sigs {
		if i > 0 {
			s += "_"
		}
		s += x
	}
	return s
}

// ExecFunc is the executor's aggregate for n value arguments (count(*) for none).
func (a *Agg) ExecFunc(n int) (exec.AggFunc, bool) {
	if n == 0 && a.StarOK {
		return a.Star, true
	}
	return a.Func, n == a.Args
}

func aggregates() []*Agg {
	std := func(name, urn string, dec bool, f exec.AggFunc) *Agg {
		return &Agg{ID: name, Name: name, URN: urn, DecimalURN: dec, SQL: []string{name}, Args: 1, Func: f}
	}
	pg := func(name string, f exec.AggFunc, sql ...string) *Agg {
		return &Agg{ID: name, Name: name, URN: proto.URNTern, SQL: append([]string{name}, sql...), Args: 1, Func: f}
	}
	count := std(proto.AggCount, proto.URNAggregate, false, exec.AggCount)
	count.Star, count.StarOK = exec.AggCountStar, true
	sagg := pg(proto.AggStringAgg, exec.AggStringAgg)
	sagg.Args = 2
	return append([]*Agg{
		count,
		std(proto.AggSum, proto.URNArithmetic, true, exec.AggSum),
		std(proto.AggAvg, proto.URNArithmetic, true, exec.AggAvg),
		std(proto.AggMin, proto.URNArithmetic, true, exec.AggMin),
		std(proto.AggMax, proto.URNArithmetic, true, exec.AggMax),
		pg(proto.AggBoolAnd, exec.AggBoolAnd, "every"),
		pg(proto.AggBoolOr, exec.AggBoolOr),
		sagg,
		pg(proto.AggVarSamp, exec.AggVarSamp, "variance"),
		pg(proto.AggVarPop, exec.AggVarPop),
		pg(proto.AggStddevSamp, exec.AggStddevSamp, "stddev"),
		pg(proto.AggStddevPop, exec.AggStddevPop),
		pg(proto.AggArrayAgg, exec.AggArrayAgg),
	}, orderedSetAggregates()...)
}

var aggList = aggregates()

var aggIndex = func() map[string]*Agg {
	m := map[string]*Agg{}
	for _, a := range aggList {
		m["id:"+a.ID] = a
		for _, s := range a.SQL {
			m["sql:"+s] = a
		}
	}
	return m
}()

// Aggs returns every declared aggregate.
func Aggs() []*Agg { return append([]*Agg(nil), aggList...) }

// AggByID returns the aggregate the binder stored as logical.AggCall.Fn.
func AggByID(id string) (*Agg, bool) {
	a, ok := aggIndex["id:"+id]
	return a, ok
}

// AggBySQL returns the aggregate a SQL name (or alias) stands for.
func AggBySQL(name string) (*Agg, bool) {
	a, ok := aggIndex["sql:"+name]
	return a, ok
}

// LookupAgg finds the aggregate a Substrait plan names; the URN does not change the
// function (the decimal extension's sum is sum), and aliases a client may send (every,
// variance, stddev) are accepted.
func LookupAgg(_ /* urn */, name string) (*Agg, bool) {
	if a, ok := AggByID(name); ok {
		return a, true
	}
	return AggBySQL(name)
}
