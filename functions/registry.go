package functions

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

// Nulls says how a function's result nullability follows from its arguments; the binder uses
// it for the result schemas it promises (logical.Call.Null).
type Nulls uint8

const (
	// Strict: NULL when any argument is NULL, never NULL otherwise (PostgreSQL's STRICT).
	Strict Nulls = iota
	// NullOnValue: strict, and also NULL for some non-NULL arguments (regexp_substr finding
	// nothing): always nullable.
	NullOnValue
	// NullsSkipped: NULL arguments are skipped (concat(), greatest, least); the result is
	// NULL only when every argument is (greatest/least) or never (concat()).
	NullsSkipped
	// NeverNull: defined on NULL inputs and never NULL (IS NULL, IS DISTINCT FROM).
	NeverNull
	// NullIfFirst: NULL exactly when the first argument is (concat_ws's separator).
	NullIfFirst
	// Kleene: three-valued boolean logic (AND, OR): NULL only when some argument is.
	Kleene
)

// Func is one scalar function or operator.
type Func struct {
	// ID is what the binder stores in logical.Call.Fn: the Substrait name, except where two
	// SQL functions share one Substrait name under different URNs (concat() vs ||).
	ID string
	// Name is the Substrait function name (a proto constant), the part before ':' of the
	// compound name.
	Name string
	// URN is the extension the function is declared under (a proto constant). URNFor, when
	// set, picks it from the argument types instead (arithmetic on decimals or datetimes).
	URN    string
	URNFor func(args []catalog.Type) string
	// VariadicSig, when set, is the compound signature's argument part whatever the argument
	// count ("bool" for and/or): Substrait declares variadic functions by one argument.
	VariadicSig string
	// SQL lists the SQL names and aliases the binder resolves to this function (operators:
	// the operator symbol). Several functions may share a SQL name with different
	// signatures.
	SQL []string
	// Nulls is the nullability rule.
	Nulls Nulls
	// NoFold: never folded at planning time (volatile functions; checks whose error must
	// surface when the statement runs).
	NoFold bool
	// Result, when set, is the result type for arguments already brought to this function's
	// parameter types (the binder's last step); ok=false: no such signature.
	Result func(args []catalog.Type) (catalog.Type, bool)
	// Sigs are the parameter lists the function accepts, each with its result type, in the
	// order the binder tries them (after PostgreSQL's implicit casts). Functions whose
	// result type depends on argument values or on precision and scale (arithmetic,
	// round, extract) leave Sigs empty and the binder's own rule decides.
	Sigs []Sig
	// Build is the executor's kernel constructor, called once when a plan is compiled.
	Build exec.Builder
	// Render is for SQL dialect renderers (federation): the function's name per dialect
	// where it differs from Name. Nil: the PostgreSQL name renders everywhere.
	Render map[string]string
}

// Sig is one signature: Args are the parameter types; the last Optional of them may be
// left out.
type Sig struct {
	Args     []catalog.Type
	Optional int
	Result   catalog.Type
}

// Accepts reports whether n arguments fit the signature's arity.
func (s Sig) Accepts(n int) bool { return n <= len(s.Args) && n >= len(s.Args)-s.Optional }

func sig(result catalog.Type, args ...catalog.Type) Sig { return Sig{Args: args, Result: result} }

func opt(n int, s Sig) Sig { s.Optional = n; return s }

// Strict reports whether a NULL argument makes the result NULL whatever the others are,
// so that a call with a NULL constant argument folds to NULL.
func (f *Func) Strict() bool { return f.Nulls == Strict || f.Nulls == NullOnValue }

// URNOf returns the extension URN for arguments of types args.
func (f *Func) URNOf(args []catalog.Type) string {
	if f.URNFor != nil {
		return f.URNFor(args)
	}
	return f.URN
}

// Compound returns the Substrait compound name for arguments whose signature names
// (Substrait's short type names: i64, dec, str, ...) are sigs.
func (f *Func) Compound(sigs []string) string {
	if f.VariadicSig != "" {
		return f.Name + ":" + f.VariadicSig
	}
	return f.Name + ":" + strings.Join(sigs, "_")
}

// Nullable is the nullability of a call whose arguments' nullability is args.
func (f *Func) Nullable(args []bool) bool {
	switch f.Nulls {
	case NullOnValue:
		return true
	case NeverNull:
		return false
	case NullIfFirst:
		return len(args) > 0 && args[0]
	case NullsSkipped:
		if f.ID == IDConcatFunc {
			return false
		}
		for _, n := range args {
			if !n {
				return false
			}
		}
		return len(args) > 0
	}
	for _, n := range args {
		if n {
			return true
		}
	}
	return false
}

// IDConcatFunc is the ID of PostgreSQL's concat() function (NULLs skipped), which shares
// its Substrait name with || under another URN (planner/logical.FnConcatFunc).
const IDConcatFunc = "concat()"

// index is built once from the declarations and never changed.
type index struct {
	all       []*Func
	byID      map[string]*Func
	bySQL     map[string][]*Func
	byURNName map[string]*Func
	byName    map[string]*Func // first declared per Substrait name
}

var reg = build(declarations())

func build(fs []*Func) *index {
	x := &index{all: fs, byID: map[string]*Func{}, bySQL: map[string][]*Func{},
		byURNName: map[string]*Func{}, byName: map[string]*Func{}}
	for _, f := range fs {
		if _, dup := x.byID[f.ID]; dup {
			panic("functions: " + f.ID + " declared twice")
		}
		x.byID[f.ID] = f
		for _, s := range f.SQL {
			x.bySQL[s] = append(x.bySQL[s], f)
		}
		urns := []string{f.URN}
		if f.URNFor != nil {
			urns = arithURNs
		}
		for _, u := range urns {
			x.byURNName[u+"#"+f.Name] = f
		}
		if _, ok := x.byName[f.Name]; !ok {
			x.byName[f.Name] = f
		}
	}
	return x
}

func declarations() []*Func {
	var fs []*Func
	fs = append(fs, operators()...)
	fs = append(fs, stringFuncs()...)
	fs = append(fs, mathFuncs()...)
	fs = append(fs, datetimeFuncs()...)
	fs = append(fs, formatFuncs()...)
	fs = append(fs, arrayFuncs()...)
	fs = append(fs, jsonFuncDecls()...)
	fs = append(fs, &Func{ID: proto.FnCheckConstraint, Name: proto.FnCheckConstraint, URN: proto.URNTern,
		Nulls: NeverNull, Build: exec.CheckConstraint(proto.FnCheckConstraint), NoFold: true})
	return fs
}

// All returns every declared function, in declaration order.
func All() []*Func { return append([]*Func(nil), reg.all...) }

// ByID returns the function the binder stored as logical.Call.Fn.
func ByID(id string) (*Func, bool) {
	f, ok := reg.byID[id]
	return f, ok
}

// BySQL returns the functions a SQL name (or operator symbol) may resolve to.
func BySQL(name string) []*Func { return reg.bySQL[name] }

// Lookup finds the function a Substrait plan declares as name under urn. A URN Tern does
// not declare the name under (a client's plan) falls back to the first function of that
// name, as the executor has always read names.
func Lookup(urn, name string) (*Func, bool) {
	if f, ok := reg.byURNName[urn+"#"+name]; ok {
		return f, true
	}
	f, ok := reg.byName[name]
	return f, ok
}

// Build constructs the executor expression of function id over args (a convenience for
// callers that hold an ID rather than an entry).
func Build(id string, args []exec.Expr, out arrow.DataType) (exec.Expr, error) {
	f, ok := ByID(id)
	if !ok {
		return nil, notDeclared(id)
	}
	return f.Build(args, out)
}
