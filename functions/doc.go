// Package functions is Tern's function registry: every SQL scalar function, operator and
// cast is declared here once, with its SQL names, its Substrait extension (URN and function
// name, constants of package proto), its nullability rule, the executor's kernel
// constructor, and the constant-folding evaluator, which runs that same kernel over one-row
// arrays so that a folded constant and a computed value can never disagree.
//
// Readers: the binder (planner) resolves names and checks results through Lookup/BySQL;
// the optimizer's fold_constants evaluates constant calls and casts with Eval and EvalCast;
// the Substrait producer (planner/substrait) takes URN and compound name from the entry;
// the consumer (flightnodes) finds the entry by URN and name and calls its Build at compile
// time, never per row. Federation's SQL dialect renderers will read Func.Render.
//
// Imports: exec (kernels), catalog (types), proto (names). exec must never import functions:
// exec knows kernels by family (exec.Arith, exec.StringFunc, ...), not by SQL name.
package functions
