package planner

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// sysviews_constraints.go: information_schema.table_constraints and key_column_usage from
// the declared constraints (catalog.Constraint). "enforced" says what Tern does: CHECK yes,
// keys no (README "Constraints").

func init() {
	is := sysViews["information_schema"]
	is["table_constraints"] = sysView{logical.Schema{txt("constraint_catalog"), txt("constraint_schema"), txt("constraint_name"),
		txt("table_catalog"), txt("table_schema"), txt("table_name"), txt("constraint_type"),
		txt("is_deferrable"), txt("initially_deferred"), txt("enforced")}, (*binder).rowsTableConstraints}
	is["key_column_usage"] = sysView{logical.Schema{txt("constraint_catalog"), txt("constraint_schema"), txt("constraint_name"),
		txt("table_catalog"), txt("table_schema"), txt("table_name"), txt("column_name"),
		i32f("ordinal_position"), i32f("position_in_unique_constraint")}, (*binder).rowsKeyColumnUsage}
}

var constraintTypes = map[string]string{
	catalog.ConstraintPrimaryKey: "PRIMARY KEY",
	catalog.ConstraintUnique:     "UNIQUE",
	catalog.ConstraintForeignKey: "FOREIGN KEY",
	catalog.ConstraintCheck:      "CHECK",
}

func (b *binder) rowsTableConstraints() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		for _, c := range t.Constraints {
			enforced := "NO"
			if c.Kind == catalog.ConstraintCheck {
				enforced = "YES"
			}
			rows = append(rows, []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(c.Name),
				ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(constraintTypes[c.Kind]),
				ltxt("NO"), ltxt("NO"), ltxt(enforced)})
		}
	}
	return rows, nil
}

func (b *binder) rowsKeyColumnUsage() ([][]logical.Expr, error) {
	ts, err := b.tables()
	if err != nil {
		return nil, err
	}
	keyOf := func(r catalog.TableRef, cols []string) []string {
		for _, t := range ts {
			if t.Ref.Schema != r.Schema || t.Ref.Name != r.Name {
				continue
			}
			for _, c := range t.Constraints {
				if (c.Kind == catalog.ConstraintPrimaryKey || c.Kind == catalog.ConstraintUnique) && sameSet(c.Columns, cols) {
					return c.Columns
				}
			}
		}
		return nil
	}
	var rows [][]logical.Expr
	for _, t := range ts {
		for _, c := range t.Constraints {
			if c.Kind == catalog.ConstraintCheck {
				continue
			}
			var refKey []string
			if c.Kind == catalog.ConstraintForeignKey {
				refKey = keyOf(c.RefTable, c.RefColumns)
			}
			for i, col := range c.Columns {
				pos := lnull(catalog.Int32)
				if c.Kind == catalog.ConstraintForeignKey {
					for j, k := range refKey {
						if i < len(c.RefColumns) && k == c.RefColumns[i] {
							pos = lit(catalog.Int32, j+1)
						}
					}
				}
				rows = append(rows, []logical.Expr{ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(c.Name),
					ltxt(catalog.CatalogName), ltxt(t.Ref.Schema), ltxt(t.Ref.Name), ltxt(col),
					lit(catalog.Int32, i+1), pos})
			}
		}
	}
	return rows, nil
}
