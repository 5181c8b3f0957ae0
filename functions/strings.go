package functions

import (
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/exec"
	"github.com/tern-db/tern/proto"
)

var (
	text = catalog.Text
	i32  = catalog.Int32
)

// stringFuncs declares the string operators and PostgreSQL's string functions.
func stringFuncs() []*Func {
	std := func(name string, b exec.Builder, sql []string, sigs ...Sig) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNString, SQL: sql, Sigs: sigs, Build: b}
	}
	pg := func(name string, sql []string, sigs ...Sig) *Func {
		return &Func{ID: name, Name: name, URN: proto.URNTern, SQL: sql, Sigs: sigs, Build: exec.StringFunc(name)}
	}
	names := func(s ...string) []string { return s }
	return []*Func{
		{ID: proto.FnConcat, Name: proto.FnConcat, URN: proto.URNString, VariadicSig: "str", SQL: names("||"),
			Build: exec.String(proto.FnConcat)},
		std(proto.FnLike, exec.String(proto.FnLike), names("~~", "LIKE"), sig(catalog.Bool, text, text)),
		{ID: proto.FnILike, Name: proto.FnILike, URN: proto.URNTern, SQL: names("~~*", "ILIKE"),
			Sigs: []Sig{sig(catalog.Bool, text, text)}, Build: exec.String(proto.FnILike)},
		std(proto.FnLower, exec.String(proto.FnLower), names("lower"), sig(text, text)),
		std(proto.FnUpper, exec.String(proto.FnUpper), names("upper"), sig(text, text)),
		std(proto.FnLength, exec.String(proto.FnLength), names("length", "char_length", "character_length"), sig(i32, text)),
		std(proto.FnSubstr, exec.String(proto.FnSubstr), names("substring", "substr"), opt(1, sig(text, text, i32, i32))),

		{ID: IDConcatFunc, Name: proto.FnConcatFunc, URN: proto.URNTern, VariadicSig: "str", SQL: names("concat"),
			Nulls: NullsSkipped, Build: toText(exec.StringFunc("concat_pg"))},
		{ID: proto.FnConcatWS, Name: proto.FnConcatWS, URN: proto.URNTern, SQL: names("concat_ws"), Nulls: NullIfFirst,
			Build: exec.StringFunc(proto.FnConcatWS)},
		pg(proto.FnVarchar, nil, sig(text, text, i32, catalog.Bool)),
		pg(proto.FnBpchar, nil, sig(text, text, i32, i32)),
		pg(proto.FnInitcap, names("initcap"), sig(text, text)),
		pg(proto.FnLikeEscape, names("like_escape"), sig(text, text, text)),
		pg(proto.FnSimilarEsc, names("similar_to_escape"), opt(1, sig(text, text, text))),
		pg(proto.FnReverse, names("reverse"), sig(text, text)),
		pg(proto.FnMD5, names("md5"), sig(text, text)),
		pg(proto.FnOctetLen, names("octet_length"), sig(i32, text)),
		pg(proto.FnBitLen, names("bit_length"), sig(i32, text)),
		pg(proto.FnASCII, names("ascii"), sig(i32, text)),
		pg(proto.FnChr, names("chr"), sig(text, i32)),
		// position(substring IN string) arrives as position(string, substring)
		pg(proto.FnStrpos, names("strpos", "position"), sig(i32, text, text)),
		pg(proto.FnBtrim, names("btrim", "trim"), opt(1, sig(text, text, text))),
		pg(proto.FnLtrim, names("ltrim"), opt(1, sig(text, text, text))),
		pg(proto.FnRtrim, names("rtrim"), opt(1, sig(text, text, text))),
		pg(proto.FnReplace, names("replace"), sig(text, text, text, text)),
		pg(proto.FnTranslate, names("translate"), sig(text, text, text, text)),
		pg(proto.FnSplitPart, names("split_part"), sig(text, text, text, i32)),
		pg(proto.FnLeft, names("left"), sig(text, text, i32)),
		pg(proto.FnRight, names("right"), sig(text, text, i32)),
		pg(proto.FnRepeat, names("repeat"), sig(text, text, i32)),
		pg(proto.FnLpad, names("lpad"), opt(1, sig(text, text, i32, text))),
		pg(proto.FnRpad, names("rpad"), opt(1, sig(text, text, i32, text))),
		pg(proto.FnStartsWith, names("starts_with"), sig(catalog.Bool, text, text)),
		pg(proto.FnRegexpRepl, names("regexp_replace"), opt(1, sig(text, text, text, text, text))),
		pg(proto.FnRegexpLike, names("regexp_like"), opt(1, sig(catalog.Bool, text, text, text))),
		// NULL when nothing matches, whatever the arguments
		{ID: proto.FnRegexpSub, Name: proto.FnRegexpSub, URN: proto.URNTern, SQL: names("regexp_substr"), Nulls: NullOnValue,
			Sigs: []Sig{sig(text, text, text)}, Build: exec.StringFunc(proto.FnRegexpSub)},
		pg(proto.FnRegexpCnt, names("regexp_count"), sig(i32, text, text)),
	}
}
