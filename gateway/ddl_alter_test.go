package gateway

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"strings"
	"testing"
)

// Time travel returns the schema of its snapshot: after ALTER TABLE, tern.as_of reads an
// older snapshot with the columns (names, types) it had, and the current one with the new.
func TestDDLAlterTimeTravelSchema(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE tt (id INTEGER, a TEXT, b SMALLINT)`)
	c.exec(t, `INSERT INTO tt VALUES (1, 'x', 10), (2, 'y', 20)`)
	first := c.query(t, `SELECT max(snapshot_id) FROM tern.snapshots('tt')`)[0]
	c.exec(t, `ALTER TABLE tt RENAME COLUMN a TO name`)
	c.exec(t, `ALTER TABLE tt DROP COLUMN b`)
	c.exec(t, `ALTER TABLE tt ADD COLUMN b BIGINT`)
	c.exec(t, `INSERT INTO tt VALUES (3, 'z', 3000000000)`)
	second := c.query(t, `SELECT max(snapshot_id) FROM tern.snapshots('tt')`)[0]

	old := fmt.Sprintf(`SELECT * FROM tern.as_of('tt', %s) AS o ORDER BY id`, first)
	info, err := c.Execute(c.ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "1|x|10", "2|y|20")
	sc, err := flight.DeserializeSchema(info.Schema, c.alloc)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range sc.Fields() {
		names = append(names, f.Name+":"+f.Type.String())
	}
	if got := strings.Join(names, ","); got != "id:int32,a:utf8,b:int16" {
		t.Fatalf("old snapshot schema %s", got)
	}
	want(t, c.query(t, fmt.Sprintf(`SELECT * FROM tern.as_of('tt', %s) AS o ORDER BY id`, second)),
		"1|x|NULL", "2|y|NULL", "3|z|3000000000")
	want(t, c.query(t, `SELECT id, name, b FROM tt ORDER BY id`), "1|x|NULL", "2|y|NULL", "3|z|3000000000")
}
