package exec

import (
	"strconv"
	"strings"

	"github.com/tern-db/tern/proto/errs"
)

// The operations of json and jsonb on parsed values (expr_json_value.go), with PostgreSQL's
// semantics and messages. jsonb values are normalized trees; json values keep their source.

// field is an object's value for key (the last of duplicates, as PostgreSQL's json does), or
// nil.
func (v *JValue) field(key string) *JValue {
	if v.Kind != JObject {
		return nil
	}
	for i := len(v.Keys) - 1; i >= 0; i-- {
		if v.Keys[i] == key {
			return v.Elems[i]
		}
	}
	return nil
}

// index is an array's element i (negative: from the end), or nil.
func (v *JValue) index(i int64) *JValue {
	if v.Kind != JArray {
		return nil
	}
	n := int64(len(v.Elems))
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return nil
	}
	return v.Elems[i]
}

// path follows a text[] path: keys into objects, integers into arrays.
func (v *JValue) path(p []string) *JValue {
	for _, k := range p {
		switch v.Kind {
		case JObject:
			v = v.field(k)
		case JArray:
			i, err := strconv.ParseInt(strings.TrimSpace(k), 10, 64)
			if err != nil {
				return nil
			}
			v = v.index(i)
		default:
			return nil
		}
		if v == nil {
			return nil
		}
	}
	return v
}

// asText is ->>'s text of v: a string's contents, NULL for null, else the value printed
// (jsonb: normalized; json: its source).
func (v *JValue) asText(isB bool) (string, bool) {
	switch v.Kind {
	case JNull:
		return "", false
	case JString:
		return v.Str, true
	}
	if isB {
		return v.String(), true
	}
	return v.Raw, true
}

// parseTextArray reads a text[] literal ('{a,b,"c d"}') as PostgreSQL's array_in does for
// one dimension; NULL elements are reported by position.
func parseTextArray(s string) ([]string, []bool, error) {
	bad := func() error {
		return errs.Errorf(errs.ErrInvalidArgument, "malformed array literal: \"%s\"", s)
	}
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, nil, bad()
	}
	body := t[1 : len(t)-1]
	if strings.TrimSpace(body) == "" {
		return nil, nil, nil
	}
	var out []string
	var nulls []bool
	i := 0
	for {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var b strings.Builder
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			i++
			for i < len(body) && body[i] != '"' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
				i++
			}
			if i >= len(body) {
				return nil, nil, bad()
			}
			i++
			for i < len(body) && body[i] == ' ' {
				i++
			}
		} else {
			for i < len(body) && body[i] != ',' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				if body[i] == '{' || body[i] == '}' || body[i] == '"' {
					return nil, nil, bad()
				}
				b.WriteByte(body[i])
				i++
			}
		}
		e := b.String()
		if !quoted {
			e = strings.TrimRight(e, " ")
			if e == "" {
				return nil, nil, bad()
			}
		}
		out = append(out, e)
		nulls = append(nulls, !quoted && strings.EqualFold(e, "null"))
		if i >= len(body) {
			return out, nulls, nil
		}
		if body[i] != ',' {
			return nil, nil, bad()
		}
		i++
	}
}

// textPath is a path argument: NULL elements are an error where PostgreSQL raises one.
func textPath(s string, what string) ([]string, error) {
	p, nulls, err := parseTextArray(s)
	if err != nil {
		return nil, err
	}
	for i, n := range nulls {
		if n {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "%s at position %d is null", what, i+1)
		}
	}
	return p, nil
}

// equalJSON compares two normalized values for jsonb equality.
func equalJSON(a, b *JValue) bool { return JSONCompare(a, b) == 0 }

// contains is jsonb's @>: every key of b's object is in a's with a containing value; every
// element of b's array is contained in some element of a's; scalars are equal. A top-level
// array contains a top-level scalar it holds.
func contains(a, b *JValue, top bool) bool {
	if a.Kind != b.Kind {
		if top && a.Kind == JArray && b.Kind != JArray && b.Kind != JObject {
			for _, e := range a.Elems {
				if e.Kind == b.Kind && equalJSON(e, b) {
					return true
				}
			}
		}
		return false
	}
	switch a.Kind {
	case JObject:
		for i, k := range b.Keys {
			av := a.field(k)
			if av == nil || !contains(av, b.Elems[i], false) {
				return false
			}
		}
		return true
	case JArray:
		for _, be := range b.Elems {
			found := false
			for _, ae := range a.Elems {
				if ae.Kind == be.Kind && (ae.Kind == JArray || ae.Kind == JObject) && contains(ae, be, false) ||
					ae.Kind == be.Kind && ae.Kind != JArray && ae.Kind != JObject && equalJSON(ae, be) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return equalJSON(a, b)
}

// exists is jsonb's ?: a top-level key, or a string element of an array, or the string
// itself.
func exists(v *JValue, k string) bool {
	switch v.Kind {
	case JObject:
		return v.field(k) != nil
	case JArray:
		for _, e := range v.Elems {
			if e.Kind == JString && e.Str == k {
				return true
			}
		}
	case JString:
		return v.Str == k
	}
	return false
}

// concat is jsonb's ||: two objects merge (right wins), otherwise both sides as arrays
// (a non-array wrapped in one) are concatenated.
func concat(a, b *JValue) *JValue {
	if a.Kind == JObject && b.Kind == JObject {
		out := &JValue{Kind: JObject}
		for i, k := range a.Keys {
			if b.field(k) == nil {
				out.Keys = append(out.Keys, k)
				out.Elems = append(out.Elems, a.Elems[i])
			}
		}
		out.Keys = append(out.Keys, b.Keys...)
		out.Elems = append(out.Elems, b.Elems...)
		sortObject(out)
		return out
	}
	elems := func(v *JValue) []*JValue {
		if v.Kind == JArray {
			return v.Elems
		}
		return []*JValue{v}
	}
	out := &JValue{Kind: JArray}
	out.Elems = append(append(out.Elems, elems(a)...), elems(b)...)
	return out
}

// deleteKey is jsonb - text: the key from an object, matching strings from an array.
func deleteKey(v *JValue, keys ...string) (*JValue, error) {
	drop := func(s string) bool {
		for _, k := range keys {
			if k == s {
				return true
			}
		}
		return false
	}
	switch v.Kind {
	case JObject:
		out := &JValue{Kind: JObject}
		for i, k := range v.Keys {
			if !drop(k) {
				out.Keys = append(out.Keys, k)
				out.Elems = append(out.Elems, v.Elems[i])
			}
		}
		return out, nil
	case JArray:
		out := &JValue{Kind: JArray}
		for _, e := range v.Elems {
			if !(e.Kind == JString && drop(e.Str)) {
				out.Elems = append(out.Elems, e)
			}
		}
		return out, nil
	}
	return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot delete from scalar")
}

// deleteIndex is jsonb - integer.
func deleteIndex(v *JValue, i int64) (*JValue, error) {
	switch v.Kind {
	case JObject:
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot delete from object using integer index")
	case JArray:
	default:
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot delete from scalar")
	}
	n := int64(len(v.Elems))
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return v, nil
	}
	out := &JValue{Kind: JArray}
	out.Elems = append(append(out.Elems, v.Elems[:i]...), v.Elems[i+1:]...)
	return out, nil
}

// pathIndex reads a path element used against an array.
func pathIndex(k string, pos int) (int64, error) {
	i, err := strconv.ParseInt(strings.TrimSpace(k), 10, 32)
	if err != nil {
		return 0, errs.Errorf(errs.ErrInvalidArgument, "path element at position %d is not an integer: \"%s\"", pos, k)
	}
	return i, nil
}

// deletePath is jsonb #- text[].
func deletePath(v *JValue, p []string) (*JValue, error) {
	if v.Kind != JObject && v.Kind != JArray {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot delete path in scalar")
	}
	return editPath(v, p, 0, func(parent *JValue, k string, pos int) (*JValue, error) {
		if parent.Kind == JObject {
			return deleteKey(parent, k)
		}
		i, err := pathIndex(k, pos)
		if err != nil {
			return nil, err
		}
		return deleteIndex(parent, i)
	})
}

// editPath copies v along path p, applying last to the container that holds the path's last
// element. Paths that leave the document change nothing.
func editPath(v *JValue, p []string, pos int, last func(parent *JValue, k string, pos int) (*JValue, error)) (*JValue, error) {
	if len(p) == 0 {
		return v, nil
	}
	if len(p) == 1 {
		if v.Kind != JObject && v.Kind != JArray {
			return v, nil
		}
		return last(v, p[0], pos+1)
	}
	switch v.Kind {
	case JObject:
		out := &JValue{Kind: JObject, Keys: v.Keys, Elems: append([]*JValue(nil), v.Elems...)}
		for i, k := range v.Keys {
			if k == p[0] {
				e, err := editPath(v.Elems[i], p[1:], pos+1, last)
				if err != nil {
					return nil, err
				}
				out.Elems[i] = e
			}
		}
		return out, nil
	case JArray:
		i, err := pathIndex(p[0], pos+1)
		if err != nil {
			return nil, err
		}
		n := int64(len(v.Elems))
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return v, nil
		}
		out := &JValue{Kind: JArray, Elems: append([]*JValue(nil), v.Elems...)}
		e, err := editPath(v.Elems[i], p[1:], pos+1, last)
		if err != nil {
			return nil, err
		}
		out.Elems[i] = e
		return out, nil
	}
	return v, nil
}

// setPath is jsonb_set (insert=false) and jsonb_insert (insert=true).
func setPath(v *JValue, p []string, nv *JValue, create, insert, after bool) (*JValue, error) {
	if v.Kind != JObject && v.Kind != JArray {
		if insert {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot insert into scalar")
		}
		return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot set path in scalar")
	}
	return editPath(v, p, 0, func(parent *JValue, k string, pos int) (*JValue, error) {
		if parent.Kind == JObject {
			if insert && parent.field(k) != nil {
				return nil, errs.Errorf(errs.ErrInvalidArgument, "cannot replace existing key\nHINT:  Try using the function jsonb_set to replace key value.")
			}
			out := &JValue{Kind: JObject}
			found := false
			for i, key := range parent.Keys {
				e := parent.Elems[i]
				if key == k {
					found, e = true, nv
				}
				out.Keys = append(out.Keys, key)
				out.Elems = append(out.Elems, e)
			}
			if !found && (create || insert) {
				out.Keys = append(out.Keys, k)
				out.Elems = append(out.Elems, nv)
				sortObject(out)
			}
			return out, nil
		}
		i, err := pathIndex(k, pos)
		if err != nil {
			return nil, err
		}
		n := int64(len(parent.Elems))
		if i < 0 {
			i += n
		}
		out := &JValue{Kind: JArray}
		switch {
		case i < 0:
			if !create && !insert {
				return parent, nil
			}
			out.Elems = append(append(out.Elems, nv), parent.Elems...)
		case i >= n:
			if !create && !insert {
				return parent, nil
			}
			out.Elems = append(append(out.Elems, parent.Elems...), nv)
		case insert:
			at := i
			if after {
				at++
			}
			out.Elems = append(out.Elems, parent.Elems[:at]...)
			out.Elems = append(out.Elems, nv)
			out.Elems = append(out.Elems, parent.Elems[at:]...)
		default:
			out.Elems = append(out.Elems, parent.Elems...)
			out.Elems[i] = nv
		}
		return out, nil
	})
}

// stripNulls is jsonb_strip_nulls: object fields whose value is null, at every depth.
func stripNulls(v *JValue) *JValue {
	switch v.Kind {
	case JObject:
		out := &JValue{Kind: JObject}
		for i, k := range v.Keys {
			if v.Elems[i].Kind == JNull {
				continue
			}
			out.Keys = append(out.Keys, k)
			out.Elems = append(out.Elems, stripNulls(v.Elems[i]))
		}
		return out
	case JArray:
		out := &JValue{Kind: JArray, Elems: make([]*JValue, len(v.Elems))}
		for i, e := range v.Elems {
			out.Elems[i] = stripNulls(e)
		}
		return out
	}
	return v
}
