package coordinator

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// padChars brings a string column to CHAR(n)'s stored form (planner/bind_char.go: every value
// blank-padded to exactly n characters): COPY and bulk ingest write CHAR(n) columns as INSERT
// does. Values longer than n were refused before, except for trailing spaces, which are cut.
func padChars(mem memory.Allocator, a arrow.Array, n int) arrow.Array {
	s, ok := a.(*array.String)
	if !ok {
		a.Retain()
		return a
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(s.Len())
	for r := 0; r < s.Len(); r++ {
		if s.IsNull(r) {
			b.AppendNull()
			continue
		}
		v := s.Value(r)
		if c := utf8.RuneCountInString(v); c > n {
			v = string([]rune(v)[:n])
		} else if c < n {
			v += strings.Repeat(" ", n-c)
		}
		b.Append(v)
	}
	return b.NewArray()
}
