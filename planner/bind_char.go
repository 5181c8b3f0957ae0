package planner

import (
	"strings"

	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto"
	"github.com/tern-db/tern/proto/errs"
)

// CHAR(n) (bpchar): a value is stored and shown blank-padded to n characters, and its
// trailing spaces are insignificant. Tern keeps the invariant that every CHAR(n) value is
// padded to exactly n, which makes equality, GROUP BY, DISTINCT and hashing of one CHAR(n)
// type need nothing special; what is special is conversion, bound here:
//   - into CHAR(n): the bpchar kernel pads (and, by context, PostgreSQL's length rule: an
//     explicit cast truncates, an assignment errors on a longer value unless the excess is
//     spaces, an implicit coercion of a constant neither cuts nor errors);
//   - out of CHAR(n), to text or varchar (||, text functions such as length and upper,
//     comparison with text): the padding is stripped (rtrim), as PostgreSQL's bpchar -> text.
// CHAR(m) against CHAR(n) resolves to CHAR(max(m, n)) (commonType), so the shorter side is
// padded and trailing spaces stay insignificant. The Arrow type is utf8 like every text: a
// client sees the padded values with no extra metadata.

// Length coercion modes of the bpchar kernel (its third argument).
const (
	charImplicit int64 = 0 // pad only
	charAssign   int64 = 1 // pad; a longer value is an error unless the excess is spaces
	charExplicit int64 = 2 // pad or truncate
)

// charCast converts e to type to when either is CHAR(n); ok false leaves the conversion to
// the caller.
func (b *binder) charCast(e logical.Expr, to catalog.Type, mode int64) (logical.Expr, bool, error) {
	from := e.Type()
	if !from.IsChar() && !to.IsChar() {
		return nil, false, nil
	}
	if p, isParam := e.(*logical.Param); isParam && isUnknown(p.Typ) {
		if !to.IsChar() {
			return nil, false, nil
		}
		// a parameter compared with or assigned to CHAR(n) is sent as text and padded here,
		// so that its value meets stored (padded) values
		in, err := b.coerce(e, catalog.Text)
		if err != nil {
			return nil, true, err
		}
		e = in
	}
	if from.IsChar() && to.IsChar() && from.Precision == to.Precision {
		return e, true, nil
	}
	if from.IsChar() {
		// out of CHAR: strip the padding, then on as text
		e = stripPadding(e)
		if !to.IsChar() {
			return e, false, nil
		}
	}
	// into CHAR(n)
	if isUnknown(e.Type()) || e.Type().Kind != catalog.TypeText {
		in, err := b.coerceText(e)
		if err != nil {
			return nil, true, err
		}
		e = in
	}
	if l, isLit := e.(*logical.Literal); isLit {
		if l.Value == nil {
			return &logical.Literal{Typ: to, Pos: l.Pos}, true, nil
		}
		s, err := padChar(l.Value.(string), to.Precision, mode)
		if err != nil {
			return nil, true, errs.At(l.Pos, err)
		}
		return &logical.Literal{Typ: to, Value: s, Pos: l.Pos}, true, nil
	}
	return call(proto.FnBpchar, to, e, &logical.Literal{Typ: catalog.Int32, Value: int64(to.Precision)},
		&logical.Literal{Typ: catalog.Int32, Value: mode}), true, nil
}

// coerceText brings a non-text value to text (the cast the caller has checked is allowed).
func (b *binder) coerceText(e logical.Expr) (logical.Expr, error) {
	if l, isLit := e.(*logical.Literal); isLit {
		v, err := logical.CastValue(l.Value, l.Typ, catalog.Text)
		if err != nil {
			return nil, errs.At(l.Pos, err)
		}
		return &logical.Literal{Typ: catalog.Text, Value: v, Pos: l.Pos}, nil
	}
	return &logical.Cast{Input: e, To: catalog.Text}, nil
}

// stripPadding is bpchar -> text: trailing spaces removed.
func stripPadding(e logical.Expr) logical.Expr {
	if l, isLit := e.(*logical.Literal); isLit {
		out := &logical.Literal{Typ: catalog.Text, Pos: l.Pos}
		if s, ok := l.Value.(string); ok {
			out.Value = strings.TrimRight(s, " ")
		}
		return out
	}
	return call(proto.FnRtrim, catalog.Text, e)
}

// padChar applies CHAR(n)'s length rule to a constant (n 0: no length, no padding).
func padChar(s string, n int32, mode int64) (string, error) {
	if n <= 0 {
		return s, nil
	}
	r := []rune(s)
	if len(r) > int(n) {
		if mode == charImplicit {
			if strings.TrimRight(string(r[n:]), " ") == "" {
				return string(r[:n]), nil // trailing spaces are insignificant
			}
			return s, nil
		}
		if mode == charAssign && strings.TrimRight(string(r[n:]), " ") != "" {
			return "", logical.Errorf(errs.ErrInvalidArgument, "value too long for type character(%d)", n)
		}
		return string(r[:n]), nil
	}
	return s + strings.Repeat(" ", int(n)-len(r)), nil
}

// keepPadding relabels a CHAR value as text with its padding kept: the few places where
// PostgreSQL reads bpchar's stored form (concat and concat_ws print it with its output
// function, octet_length counts its bytes, LIKE matches it as is).
func keepPadding(e logical.Expr) logical.Expr {
	if !e.Type().IsChar() {
		return e
	}
	if l, isLit := e.(*logical.Literal); isLit {
		return &logical.Literal{Typ: catalog.Text, Value: l.Value, Pos: l.Pos}
	}
	return &logical.Cast{Input: e, To: catalog.Text}
}

// paddedArgs names the functions that see CHAR's padding (keepPadding).
var paddedArgs = map[string]bool{"concat": true, "concat_ws": true, "octet_length": true}
