// Package functions is Tern's function registry. Every SQL scalar function and operator
// (Func), aggregate (Agg) and window function (Window) is declared here once, with its SQL
// names and aliases, its Substrait extension (URN and function name, constants of package
// proto), its signatures and nullability rule, and the executor's kernel constructor. The
// constant-folding evaluator (Func.Eval, EvalCast) runs that same kernel over one-row arrays,
// so a folded constant and a computed value can never disagree.
//
// Readers: the binder (planner) resolves names, coercions and result types (BySQL, Sigs,
// Nullable; AggBySQL); the optimizer's fold_constants evaluates constant calls and casts; the
// Substrait producer (planner/substrait) takes URN and compound name from the entry; the
// node's compiler (flightnodes) finds the entry by URN and name and calls its Build when a
// plan is compiled, never per row. Federation's SQL dialect renderers will read Render.
//
// Imports: exec (kernels), catalog (types), proto (names). exec must never import functions:
// exec knows kernels by family (exec.Arith, exec.StringFunc, ...), not by SQL name.
package functions
