package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// maint.go: VACUUM and ANALYZE on native tables.
//
//	VACUUM [t, ...]    compacts small files, expires snapshots past retention, deletes
//	                   unreferenced files (what background maintenance does, now)
//	ANALYZE [t, ...]   collects row counts, distinct counts, nulls, min/max per column for the
//	                   optimizer (catalog.StatsStore)
//	VACUUM ANALYZE t   both
//
// Without a table name, every table of the current tenant.

func (b *binder) bindMaintain(vs *pg.VacuumStmt) (*boundStmt, error) {
	m := &Maintain{Vacuum: vs.IsVacuumcmd, Analyze: !vs.IsVacuumcmd}
	for _, o := range vs.Options {
		if d := o.GetDefElem(); d != nil && d.Defname == "analyze" {
			m.Analyze = defBool(d)
		}
	}
	for _, r := range vs.Rels {
		vr := r.GetVacuumRelation()
		if vr == nil || vr.Relation == nil {
			continue
		}
		t, err := b.lookupTable(vr.Relation)
		if err != nil {
			return nil, err
		}
		m.Tables = append(m.Tables, t)
	}
	if len(vs.Rels) == 0 {
		ts, err := b.p.cat.ListTables(b.ctx, b.sess.Tenant, "")
		if err != nil {
			return nil, err
		}
		m.Tables = ts
	}
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) { return m, nil }}, nil
}

// Maintain is VACUUM and/or ANALYZE of native tables (planner/maint.go).
type Maintain struct {
	Tables  []catalog.Table
	Vacuum  bool
	Analyze bool
}

func (*Maintain) statement() {}
