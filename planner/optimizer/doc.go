// Package optimizer owns the rewrite rules of Tern's logical plans and the loop that runs
// them: every rule is small, named, in its own file (rule_*.go) with its test, and rewrites
// by copy. The Optimizer runs rules in order, pass after pass, until none changes the plan
// or the pass cap is reached; after every rule it checks that the plan's output types are
// unchanged, wraps errors with the rule's name, and records which rules fired (EXPLAIN
// VERBOSE prints them).
//
// optimizer imports planner/logical, catalog and the function registry (functions: constant
// folding runs the executor's kernels through it) only; it never touches SQL text, the
// catalog store or Substrait.
package optimizer
