package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// paramBatch builds one row of parameters: int64 values, then string values.
func paramBatch(ints []int64, strs []string) arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	var fields []arrow.Field
	var cols []arrow.Array
	for i, v := range ints {
		b := array.NewInt64Builder(mem)
		b.Append(v)
		cols = append(cols, b.NewArray())
		b.Release()
		fields = append(fields, arrow.Field{Name: "p" + string(rune('a'+i)), Type: arrow.PrimitiveTypes.Int64})
	}
	for i, v := range strs {
		b := array.NewStringBuilder(mem)
		b.Append(v)
		cols = append(cols, b.NewArray())
		b.Release()
		fields = append(fields, arrow.Field{Name: "s" + string(rune('a'+i)), Type: arrow.BinaryTypes.String})
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 1)
}

// TestADBCQuestionMarkPlaceholders: JDBC-style ? placeholders through the ADBC driver's
// prepared statements, as $n are; ? inside literals, quoted names and comments is text; a
// wrong number of bound values is InvalidArgument naming both counts.
func TestADBCQuestionMarkPlaceholders(t *testing.T) {
	ts := startServer(t, nil)
	cn := ts.openADBC(t, nil)
	adbcExec(t, cn, "CREATE TABLE qm (id BIGINT, name TEXT)")
	adbcExec(t, cn, "INSERT INTO qm VALUES (1, 'a?'), (2, 'b'), (3, 'c')")

	want(t, adbcQuery(t, cn, "SELECT id, name FROM qm AS \"t?\" WHERE \"t?\".id >= ? AND name <> '?' AND name <> ? /* ? */ -- ?\nORDER BY id", paramBatch([]int64{2}, []string{"c"})), "2|b")
	want(t, adbcQuery(t, cn, "SELECT count(*) FROM qm WHERE name = ?", paramBatch(nil, []string{"a?"})), "1")
	// $n still works
	want(t, adbcQuery(t, cn, "SELECT name FROM qm WHERE id = $1", paramBatch([]int64{3}, nil)), "c")

	// an update with ? placeholders
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSqlQuery("INSERT INTO qm VALUES (?, ?)"); err != nil {
		t.Fatal(err)
	}
	if err := st.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.Bind(context.Background(), paramBatch([]int64{4}, []string{"d"})); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExecuteUpdate(context.Background()); err != nil {
		t.Fatal(err)
	}
	want(t, adbcQuery(t, cn, "SELECT name FROM qm WHERE id = 4", nil), "d")

	for _, tc := range []struct {
		sql    string
		params arrow.RecordBatch
		msg    string
	}{
		{"SELECT id FROM qm WHERE id = ?", paramBatch([]int64{1, 2}, nil), "bind message supplies 2 parameters, but prepared statement requires 1"},
		{"SELECT id FROM qm WHERE id = ? OR id = ? OR id = ?", paramBatch([]int64{1, 2}, nil), "bind message supplies 2 parameters, but prepared statement requires 3"},
		{"SELECT id FROM qm WHERE id = ? OR id = $2", paramBatch([]int64{1, 2}, nil), "cannot mix ? and $n"},
	} {
		err := adbcQueryErr(cn, tc.sql, tc.params)
		var ae adbc.Error
		if !errors.As(err, &ae) || ae.Code != adbc.StatusInvalidArgument || !strings.Contains(ae.Msg, tc.msg) {
			t.Errorf("%s: got %v, want InvalidArgument %q", tc.sql, err, tc.msg)
		}
	}
}

// adbcQueryErr prepares sql, binds params and runs it, returning the first error.
func adbcQueryErr(cn adbc.Connection, sql string, params arrow.RecordBatch) error {
	st, err := cn.NewStatement()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetSqlQuery(sql); err != nil {
		return err
	}
	if err := st.Prepare(context.Background()); err != nil {
		return err
	}
	if err := st.Bind(context.Background(), params); err != nil {
		return err
	}
	rdr, _, err := st.ExecuteQuery(context.Background())
	if err != nil {
		return err
	}
	defer rdr.Release()
	for rdr.Next() {
	}
	return rdr.Err()
}
