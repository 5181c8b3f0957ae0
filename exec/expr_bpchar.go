package exec

import (
	"bytes"
	"unicode/utf8"
)

// bpcharKernel is PostgreSQL's CHAR(n) coercion bpchar(value, n, mode): the value padded with
// spaces to n characters; a longer value is left alone (mode 0, an implicit coercion), an
// error unless the excess is spaces, which are cut (mode 1, an assignment: "value too long
// for type character(n)"), or truncated (mode 2, an explicit cast). n <= 0: unchanged.
func bpcharKernel(args []Expr) (kernel, error) {
	if err := argsAre(args, 3, 3, "bpchar"); err != nil {
		return nil, err
	}
	return rowKernel(strType, true, func(a *rowArgs, i int, w *rowWriter) error {
		s, n, mode := a.str(0, i), a.i64(1, i), a.i64(2, i)
		if n <= 0 {
			w.text(i, s)
			return nil
		}
		chars := int64(utf8.RuneCount(s))
		if chars <= n {
			w.text(i, append(append(make([]byte, 0, len(s)+int(n-chars)), s...), bytes.Repeat([]byte{' '}, int(n-chars))...))
			return nil
		}
		cut, k := len(s), int64(0)
		for off := range string(s) {
			if k == n {
				cut = off
				break
			}
			k++
		}
		if mode == 0 {
			if len(bytes.TrimRight(s[cut:], " ")) == 0 {
				s = s[:cut] // only insignificant spaces beyond n
			}
			w.text(i, s)
			return nil
		}
		if mode == 1 && len(bytes.TrimRight(s[cut:], " ")) > 0 {
			return invalidf("value too long for type character(%d)", n)
		}
		w.text(i, s[:cut])
		return nil
	}), nil
}
