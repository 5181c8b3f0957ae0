package difffuzz

// Minimize drops parts of q (select items, WHERE and HAVING conjuncts, DISTINCT, LIMIT, the
// ORDER BY, the right side of a set operation) one at a time while fails still reports a
// disagreement, and returns the smallest query found. fails is called at most budget times.
func Minimize(q *Query, fails func(*Query) bool, budget int) *Query {
	cur := q
	for changed := true; changed && budget > 0; {
		changed = false
		for _, cand := range shrinks(cur) {
			if budget <= 0 {
				break
			}
			budget--
			if fails(cand) {
				cur, changed = cand, true
				break
			}
		}
	}
	return cur
}

func clone(q *Query) *Query {
	c := *q
	c.Select = append([]string(nil), q.Select...)
	c.Where = append([]string(nil), q.Where...)
	c.Having = append([]string(nil), q.Having...)
	return &c
}

// shrinks lists q with one part removed.
func shrinks(q *Query) []*Query {
	var out []*Query
	if q.SetOp != "" {
		c := clone(q)
		c.SetOp, c.Right = "", nil
		out = append(out, c)
	}
	if q.Limit > 0 {
		c := clone(q)
		c.Limit = 0
		out = append(out, c)
	}
	if q.OrderBy && q.Limit == 0 {
		c := clone(q)
		c.OrderBy = false
		out = append(out, c)
	}
	if q.Distinct {
		c := clone(q)
		c.Distinct = false
		out = append(out, c)
	}
	for i := range q.Where {
		c := clone(q)
		c.Where = append(c.Where[:i:i], q.Where[i+1:]...)
		out = append(out, c)
	}
	for i := range q.Having {
		c := clone(q)
		c.Having = append(c.Having[:i:i], q.Having[i+1:]...)
		out = append(out, c)
	}
	// select items: not in set operations (both sides must keep their width) nor grouped
	// queries' keys (the GROUP BY refers to them by expression; dropping an item is still
	// valid there, so only set operations are excluded)
	if q.SetOp == "" && len(q.Select) > 1 {
		for i := range q.Select {
			c := clone(q)
			c.Select = append(c.Select[:i:i], q.Select[i+1:]...)
			out = append(out, c)
		}
	}
	return out
}
