package planner

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
)

// This file holds how a set operation types the bare literals of its plain SELECT inputs.
//
// PostgreSQL does not resolve the select list of a set operation's plain SELECT input on its
// own (p_resolve_unknowns is off there): a bare NULL or string literal stays of unknown type
// until the set operation matches that column with its other input, and then takes that
// input's type (`SELECT 1, 'a' UNION SELECT NULL, NULL` is integer, text; `SELECT 1 UNION
// SELECT 'x'` reads 'x' as an integer and fails on it). Only when both inputs are unknown does
// the column become text. A nested set operation, a VALUES list, a subquery or a WITH entry
// has resolved its unknowns to text already, and so has a SELECT input with DISTINCT (it
// sorts every column) and an ORDER BY for the columns it sorts, exactly as in PostgreSQL.
//
// Tern binds such an input once with its unknowns resolved to text, noting which output
// columns were unknown; when the matched type of any of them is not text, it binds the input
// again with those columns coerced to the matched types.

// setopLeaf is handed from bindSetOp to the bindSelect of one of its plain SELECT inputs.
type setopLeaf struct {
	unknown map[int]bool         // filled by bindSelect: output columns that were unknown
	types   map[int]catalog.Type // set by bindSetOp for the second binding: their types
}

// leafFor is the setopLeaf for a set operation input, or nil when the input resolves its
// own unknowns (see the file comment).
func leafFor(s *pg.SelectStmt) *setopLeaf {
	if s == nil || (s.Op != pg.SetOperation_SETOP_NONE && s.Op != pg.SetOperation_SET_OPERATION_UNDEFINED) ||
		len(s.ValuesLists) > 0 || len(s.DistinctClause) > 0 {
		return nil
	}
	return &setopLeaf{unknown: map[int]bool{}}
}

// bindLeaf binds one input of a set operation with leaf (nil: an ordinary query).
func (b *binder) bindLeaf(s *pg.SelectStmt, leaf *setopLeaf) (logical.Node, error) {
	b.setopLeaf = leaf
	defer func() { b.setopLeaf = nil }()
	return b.bindQuery(s)
}

// takeSetopLeaf returns the setopLeaf meant for the SELECT about to be bound and clears it,
// so that no subquery inside that SELECT sees it.
func (b *binder) takeSetopLeaf() *setopLeaf {
	l := b.setopLeaf
	b.setopLeaf = nil
	return l
}

// leafType is the type bindSetOp matches for column i of an input: unknown where the input
// left a bare literal unknown.
func leafType(leaf *setopLeaf, i int, t catalog.Type) catalog.Type {
	if leaf != nil && leaf.unknown[i] {
		return catalog.Type{}
	}
	return t
}

// retype reports the types an input's unknown columns must be bound as, or nil when the
// first binding (unknowns as text) already gives them.
func (leaf *setopLeaf) retype(types []catalog.Type) map[int]catalog.Type {
	if leaf == nil {
		return nil
	}
	var out map[int]catalog.Type
	for i := range leaf.unknown {
		if i < len(types) && (types[i].Kind != catalog.TypeText || types[i].Precision != 0) {
			if out == nil {
				out = map[int]catalog.Type{}
			}
			out[i] = types[i]
		}
	}
	return out
}

// typeOf is the type the set operation gave output column i, when it gave one.
func (leaf *setopLeaf) typeOf(i int) (catalog.Type, bool) {
	if leaf == nil || leaf.types == nil {
		return catalog.Type{}, false
	}
	t, ok := leaf.types[i]
	return t, ok
}

// unsetParams makes the parameters that were untyped before an input's first binding (before:
// the types then) and that it resolved to text untyped again, so that the second binding
// types a bare $n by the match as well (`SELECT 1 UNION SELECT $1`: $1 is integer).
func (b *binder) unsetParams(before []catalog.Type) {
	for i := range b.params {
		if (i >= len(before) || isUnknown(before[i])) && b.params[i].Kind == catalog.TypeText && b.params[i].Precision == 0 {
			b.params[i] = catalog.Type{}
		}
	}
}

// sorted notes that the SELECT's ORDER BY sorts output column i: PostgreSQL resolves a sort
// key to text before the set operation sees it, so the column is no longer unknown.
func (leaf *setopLeaf) sorted(i int) {
	if leaf != nil {
		delete(leaf.unknown, i)
	}
}
