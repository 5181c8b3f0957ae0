package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
)

// Federation through a real Flight SQL client against real PostgreSQL (127.0.0.1:5432, db
// test) and MariaDB (127.0.0.1:3306, db test): each test makes its own schema / tables with a
// random name and drops them at the end.

const (
	fedPGURL    = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	fedMySQLDSN = "root:@tcp(127.0.0.1:3306)/test?multiStatements=true"
	// fedSecret is the mapping's password: PostgreSQL (trust) ignores it; it must appear in
	// no output and no file.
	fedSecret = "Sekr1t-Fed-Pw-9f8e7d"
)

func randName(prefix string) string {
	b := make([]byte, 5)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// pgSchema creates a PostgreSQL schema with a random name running setup in it.
func pgSchema(t *testing.T, setup ...string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fedPGURL)
	if err != nil {
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	name := randName("fed_")
	stmts := append([]string{fmt.Sprintf(`CREATE SCHEMA %s`, name), fmt.Sprintf(`SET search_path = %s`, name)}, setup...)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			conn.Close(ctx)
			t.Fatalf("postgres: %s: %v", s, err)
		}
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), fedPGURL)
		if err == nil {
			c.Exec(context.Background(), fmt.Sprintf(`DROP SCHEMA %s CASCADE`, name))
			c.Close(context.Background())
		}
	})
	return name
}

func pgExec(t *testing.T, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fedPGURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("postgres: %s: %v", s, err)
		}
	}
}

// myTables runs setup on MariaDB's test database; tables named with prefix are dropped at
// the end.
func myTables(t *testing.T, drop []string, setup ...string) {
	t.Helper()
	db, err := sql.Open("mysql", fedMySQLDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err != nil {
		t.Skipf("MariaDB unreachable: %v", err)
	}
	for _, s := range setup {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("mariadb: %s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", fedMySQLDSN)
		if err != nil {
			return
		}
		defer db.Close()
		for _, d := range drop {
			db.Exec("DROP TABLE IF EXISTS `" + strings.ReplaceAll(d, "`", "``") + "`")
		}
	})
}

// pgServer declares server pg and a mapping for the caller with fedSecret.
func pgServer(t *testing.T, c *client, extra string) {
	t.Helper()
	c.exec(t, `CREATE SERVER pg FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '5432', dbname 'test'`+extra+`)`)
	c.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres', password '`+fedSecret+`')`)
}

func fedQueryErr(c *client, sql string) error {
	info, err := c.Execute(c.ctx, sql)
	if err != nil {
		return err
	}
	_, err = c.readInfo(c.ctx, info)
	return err
}

func wantErrText(t *testing.T, err error, code codes.Code, text string) {
	t.Helper()
	wantCode(t, err, code)
	if !strings.Contains(err.Error(), text) {
		t.Fatalf("error %q does not say %q", err, text)
	}
}

func TestFederationPostgres(t *testing.T) {
	sch := pgSchema(t,
		`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(12,2), ok boolean, d date, ts timestamp, tz timestamptz, f float8, big bigint, v varchar(10), u uuid, p point)`,
		`INSERT INTO items VALUES
		 (1, 'apple', 1.50, true, '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', 1.25, 9000000000, 'x', '00000000-0000-0000-0000-000000000001', '(1,2)'),
		 (2, 'Äpfel ünïcode', -12345678.99, false, '1999-12-31', '1970-01-01 00:00:00', '2000-01-01 00:00:00+00', -0.5, -1, 'y', NULL, NULL),
		 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`CREATE TABLE "we""ird; DROP TABLE items; --" ("co""l'" text, n int)`,
		`CREATE TABLE owners (item_id int, owner text)`,
		`INSERT INTO owners VALUES (1, 'ann'), (2, 'bob'), (2, 'cy'), (9, 'nobody')`,
		`INSERT INTO "we""ird; DROP TABLE items; --" VALUES ('O''Reilly\"; DROP', 1), ('plain', 2), ('b', 3), ('B', 4)`,
	)
	ts := startServer(t, nil)
	c := ts.client(t)
	pgServer(t, c, "")
	c.exec(t, `CREATE SCHEMA pgl`)
	c.exec(t, fmt.Sprintf(`IMPORT FOREIGN SCHEMA %s FROM SERVER pg INTO pgl`, sch))

	// types both ways: numeric scale, timestamps with and without zone, dates, text
	// encodings, booleans, NULLs
	want(t, c.query(t, `SELECT id, name, price, ok, d, ts, tz, f, big, v, u FROM pgl.items ORDER BY id`),
		"1|apple|1.50|t|2024-01-02|2024-01-02 03:04:05.123456|2024-01-02 01:04:05+00|1.25|9000000000|x|00000000-0000-0000-0000-000000000001",
		"2|Äpfel ünïcode|-12345678.99|f|1999-12-31|1970-01-01 00:00:00|2000-01-01 00:00:00+00|-0.5|-1|y|NULL",
		"3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL")
	want(t, c.query(t, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'pgl' AND table_name = 'items' AND column_name IN ('price', 'tz', 'v') ORDER BY 1`),
		"price|numeric", "tz|timestamp with time zone", "v|character varying")
	want(t, c.query(t, `SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'pgl' ORDER BY 1`),
		"items|FOREIGN", "owners|FOREIGN", `we"ird; DROP TABLE items; --|FOREIGN`)
	want(t, c.query(t, `SELECT relkind FROM pg_catalog.pg_class WHERE relname = 'items'`), "f")

	// filters, projection, LIMIT pushed and visible in EXPLAIN as the exact remote query
	want(t, c.query(t, `SELECT id FROM pgl.items WHERE price > 0 AND name = 'apple'`), "1")
	plan := strings.Join(c.query(t, `EXPLAIN SELECT id FROM pgl.items WHERE price > 0 AND name = 'apple'`), "\n")
	for _, s := range []string{`RemoteScan items`, `server=pg`, `SELECT \"id\", \"name\"::text, \"price\" FROM \"` + sch + `\".\"items\" WHERE`, `\"price\" > 0.00::numeric`, `\"name\" COLLATE \"C\" = E'apple'`} {
		if !strings.Contains(plan, s) {
			t.Fatalf("EXPLAIN lacks %s:\n%s", s, plan)
		}
	}
	plan = strings.Join(c.query(t, `EXPLAIN SELECT name FROM pgl.items LIMIT 2`), "\n")
	if !strings.Contains(plan, `SELECT \"name\"::text FROM \"`+sch+`\".\"items\" LIMIT 2`) {
		t.Fatalf("LIMIT not pushed:\n%s", plan)
	}
	want(t, c.query(t, `SELECT count(*) FROM pgl.items`), "3")

	// ORDER BY + LIMIT: the first rows in Tern's order (bytes for text, NULLs first for DESC)
	want(t, c.query(t, `SELECT id, name FROM pgl.items ORDER BY name DESC LIMIT 2`), "3|NULL", "2|Äpfel ünïcode")
	plan = strings.Join(c.query(t, `EXPLAIN SELECT id, name FROM pgl.items ORDER BY name DESC LIMIT 2`), "\n")
	if !strings.Contains(plan, `ORDER BY \"name\" COLLATE \"C\" DESC NULLS FIRST LIMIT 2`) {
		t.Fatalf("ORDER BY + LIMIT not pushed:\n%s", plan)
	}

	// a join of two tables of one server runs there
	join := `SELECT i.name, o.owner FROM pgl.items i JOIN pgl.owners o ON o.item_id = i.id ORDER BY 2`
	want(t, c.query(t, join), "apple|ann", "Äpfel ünïcode|bob", "Äpfel ünïcode|cy")
	plan = strings.Join(c.query(t, `EXPLAIN `+join), "\n")
	if !strings.Contains(plan, `RemoteJoin`) || !strings.Contains(plan, `FROM \"`+sch+`\".\"items\" AS \"l\" JOIN \"`+sch+`\".\"owners\" AS \"r\" ON \"l\".\"id\" = \"r\".\"item_id\"`) {
		t.Fatalf("join not pushed:\n%s", plan)
	}

	// a whole aggregate computed by PostgreSQL
	agg := `SELECT ok, count(*), sum(id), min(d), max(price), count(name) FROM pgl.items GROUP BY ok ORDER BY 1`
	want(t, c.query(t, agg), "f|1|2|1999-12-31|-12345678.99|1", "t|1|1|2024-01-02|1.50|1", "NULL|1|3|NULL|NULL|0")
	plan = strings.Join(c.query(t, `EXPLAIN `+agg), "\n")
	if !strings.Contains(plan, `RemoteAggregate items`) || !strings.Contains(plan, `SELECT \"ok\", COUNT(*), SUM(\"id\"), MIN(\"d\"), MAX(\"price\"), COUNT(\"name\") FROM \"`+sch+`\".\"items\" GROUP BY \"ok\"`) {
		t.Fatalf("aggregate not pushed:\n%s", plan)
	}
	want(t, c.query(t, `SELECT sum(big), max(ts) FROM pgl.items`), "8999999999|2024-01-02 03:04:05.123456")

	// hostile names and values: quoted, never executed
	want(t, c.query(t, `SELECT n FROM pgl."we""ird; DROP TABLE items; --" WHERE "co""l'" = 'O''Reilly\"; DROP'`), "1")
	want(t, c.query(t, `SELECT "co""l'" FROM pgl."we""ird; DROP TABLE items; --" WHERE "co""l'" < 'a' ORDER BY 1`), "B", `O'Reilly\"; DROP`)
	want(t, c.query(t, `SELECT n FROM pgl."we""ird; DROP TABLE items; --" WHERE "co""l'" IN ('b', 'x'' OR ''1''=''1') ORDER BY 1`), "3")
	want(t, c.query(t, `SELECT count(*) FROM pgl.items`), "3") // still there

	// an unsupported remote type: readable without the column, a clear error with it
	want(t, c.query(t, `SELECT count(*) FROM pgl.items WHERE id < 3`), "2")
	wantErrText(t, fedQueryErr(c, `SELECT p FROM pgl.items`), codes.Unimplemented, `column "p" of foreign table "items" has remote type point`)

	// a changed remote column: a clear error naming it; IMPORT again refreshes
	pgExec(t, fmt.Sprintf(`ALTER TABLE %s.items ALTER COLUMN big TYPE text`, sch))
	wantErrText(t, fedQueryErr(c, `SELECT big FROM pgl.items`), codes.FailedPrecondition, `column "big" of foreign table "items" changed on server "pg"`)
	c.exec(t, fmt.Sprintf(`IMPORT FOREIGN SCHEMA %s LIMIT TO (items) FROM SERVER pg INTO pgl`, sch))
	want(t, c.query(t, `SELECT big FROM pgl.items WHERE id = 1`), "9000000000")

	// CREATE FOREIGN TABLE by hand, DROP FOREIGN TABLE
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE public.it2 (id integer, name text) SERVER pg OPTIONS (schema_name '%s', table_name 'items')`, sch))
	want(t, c.query(t, `SELECT name FROM it2 WHERE id = 1`), "apple")
	wantErrText(t, fedQueryErr(c, `DROP TABLE it2`), codes.InvalidArgument, `"it2" is not a table`)
	c.exec(t, `DROP FOREIGN TABLE it2`)

	// loading a warehouse: INSERT ... SELECT and CTAS from a foreign table
	c.exec(t, `CREATE TABLE native_items (id integer, name text, price numeric(12,2))`)
	if n := c.exec(t, `INSERT INTO native_items SELECT id, name, price FROM pgl.items WHERE id <= 2`); n != 2 {
		t.Fatalf("inserted %d", n)
	}
	c.exec(t, `CREATE TABLE ctas_items AS SELECT id, ts, tz FROM pgl.items`)
	want(t, c.query(t, `SELECT n.name, c.tz FROM native_items n JOIN ctas_items c ON c.id = n.id ORDER BY n.id`),
		"apple|2024-01-02 01:04:05+00", "Äpfel ünïcode|2000-01-01 00:00:00+00")

	// foreign tables are read-only
	wantErrText(t, fedQueryErr(c, `INSERT INTO pgl.items (id) VALUES (9)`), codes.Unimplemented, `foreign tables are read-only`)
	wantErrText(t, fedQueryErr(c, `ALTER TABLE pgl.items ADD COLUMN z int`), codes.Unimplemented, `cannot alter foreign table "items"`)
	wantErrText(t, fedQueryErr(c, `DELETE FROM pgl.items`), codes.Unimplemented, `cannot change foreign table "items"`)

	// GetTables lists foreign tables with their type
	ft := "FOREIGN TABLE"
	info, err := c.GetTables(c.ctx, &flightsql.GetTablesOpts{DbSchemaFilterPattern: strPtr("pgl"), TableTypes: []string{ft}})
	if err != nil {
		t.Fatal(err)
	}
	rows := c.rows(t, info)
	if len(rows) != 3 || !strings.Contains(rows[0], "items|FOREIGN TABLE") {
		t.Fatalf("GetTables: %q", rows)
	}
}

func strPtr(s string) *string { return &s }

func TestFederationPostgresParallelRanges(t *testing.T) {
	sch := pgSchema(t, `CREATE TABLE big (id int, pad text)`,
		`INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g`, `ANALYZE big`)
	ts := startServer(t, nil)
	c := ts.client(t)
	pgServer(t, c, ", parallel_pages '100'")
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE big (id integer, pad text) SERVER pg OPTIONS (schema_name '%s', table_name 'big')`, sch))
	plan := strings.Join(c.query(t, `EXPLAIN SELECT sum(id) FROM big WHERE id > 0`), "\n")
	if !strings.Contains(plan, `ctid < '(`) || !strings.Contains(plan, `ctid >= '(`) {
		t.Fatalf("no ctid ranges:\n%s", plan)
	}
	want(t, c.query(t, `SELECT count(*), sum(id), count(DISTINCT id) FROM big WHERE id > 0`), "20000|200010000|20000")
	// the ranges as fragments of their own, read in parallel partitions
	c.exec(t, `SET tern.partitions = 4`)
	want(t, c.query(t, `SELECT count(*), sum(id), count(DISTINCT id) FROM big WHERE id > 0`), "20000|200010000|20000")
	c.exec(t, `RESET tern.partitions`)
	// a prepared statement with a parameter pushed as a filter
	stmt, err := c.Prepare(c.ctx, `SELECT pad FROM big WHERE id = $1`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close(c.ctx)
	b := array.NewRecordBuilder(c.alloc, stmt.ParameterSchema())
	b.Field(0).(*array.Int32Builder).Append(77)
	params := b.NewRecordBatch()
	b.Release()
	stmt.SetParameters(params)
	params.Release()
	info, err := stmt.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows := c.rows(t, info); len(rows) != 1 || rows[0] != strings.Repeat("x", 200) {
		t.Fatalf("prepared: %q", rows)
	}
}

func TestFederationMySQL(t *testing.T) {
	p := randName("fed_")
	tbl, hostile := p+"_items", p+"_we`ird"
	myTables(t, []string{tbl, hostile},
		"CREATE TABLE `"+tbl+"` (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, price DECIMAL(12,2), ok TINYINT(1), d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, f DOUBLE, big BIGINT, b BLOB)",
		"INSERT INTO `"+tbl+"` VALUES (1, 'apple', 1.50, 1, '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05', 1.25, 9000000000, 'x'), (2, 'Äpfel ünïcode', -12345678.99, 0, '1999-12-31', '1970-01-01 00:00:00', NULL, -0.5, -1, NULL), (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), (4, 'APPLE', 2, 1, NULL, NULL, NULL, NULL, NULL, NULL)",
		"CREATE TABLE `"+strings.ReplaceAll(hostile, "`", "``")+"` (`co``l'` VARCHAR(40), n INT)",
		"INSERT INTO `"+strings.ReplaceAll(hostile, "`", "``")+"` VALUES ('O''Reilly\\\\''; DROP', 1), ('plain', 2)",
	)
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE SERVER my FOREIGN DATA WRAPPER mysql OPTIONS (host '127.0.0.1', port '3306', dbname 'test')`)
	c.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER my OPTIONS (user 'root', password '')`)
	c.exec(t, `CREATE SCHEMA myl`)
	c.exec(t, fmt.Sprintf(`IMPORT FOREIGN SCHEMA test LIMIT TO (%s, "%s") FROM SERVER my INTO myl`, tbl, hostile))
	want(t, c.query(t, fmt.Sprintf(`SELECT id, name, price, ok, d, dt, ts, f, big FROM myl.%s ORDER BY id`, tbl)),
		"1|apple|1.50|t|2024-01-02|2024-01-02 03:04:05.123456|2024-01-02 03:04:05+00|1.25|9000000000",
		"2|Äpfel ünïcode|-12345678.99|f|1999-12-31|1970-01-01 00:00:00|NULL|-0.5|-1",
		"3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
		"4|APPLE|2.00|t|NULL|NULL|NULL|NULL|NULL")
	// MariaDB's collation ignores case; Tern's text compares bytes, and so does the pushed filter
	want(t, c.query(t, fmt.Sprintf(`SELECT id FROM myl.%s WHERE name = 'apple'`, tbl)), "1")
	want(t, c.query(t, fmt.Sprintf(`SELECT id FROM myl.%s WHERE name < 'a' ORDER BY id`, tbl)), "4")
	plan := strings.Join(c.query(t, fmt.Sprintf(`EXPLAIN SELECT id FROM myl.%s WHERE name = 'apple' AND price >= 1.5`, tbl)), "\n")
	for _, s := range []string{"server=my", "SELECT `id`, `name`, `price` FROM `test`.`" + tbl + "` WHERE", "CAST(`name` AS BINARY) = X'6170706c65'", "`price` >= 1.50"} {
		if !strings.Contains(plan, s) {
			t.Fatalf("EXPLAIN lacks %s:\n%s", s, plan)
		}
	}
	agg := fmt.Sprintf(`SELECT ok, count(*), sum(id), min(d), max(price), sum(big) FROM myl.%s GROUP BY ok ORDER BY 1`, tbl)
	want(t, c.query(t, agg), "f|1|2|1999-12-31|-12345678.99|-1", "t|2|5|2024-01-02|2.00|9000000000", "NULL|1|3|NULL|NULL|NULL")
	plan = strings.Join(c.query(t, `EXPLAIN `+agg), "\n")
	if !strings.Contains(plan, "RemoteAggregate "+tbl) || !strings.Contains(plan, "SELECT `ok`, COUNT(*), SUM(`id`), MIN(`d`), MAX(`price`), SUM(`big`) FROM `test`.`"+tbl+"` GROUP BY `ok`") {
		t.Fatalf("aggregate not pushed:\n%s", plan)
	}
	want(t, c.query(t, fmt.Sprintf(`SELECT id FROM myl.%s ORDER BY name LIMIT 2`, tbl)), "4", "1")
	plan = strings.Join(c.query(t, fmt.Sprintf(`EXPLAIN SELECT id FROM myl.%s ORDER BY name LIMIT 2`, tbl)), "\n")
	if !strings.Contains(plan, "ORDER BY `name` IS NULL ASC, CAST(`name` AS BINARY) ASC LIMIT 2") {
		t.Fatalf("ORDER BY + LIMIT not pushed:\n%s", plan)
	}
	join := fmt.Sprintf(`SELECT i.name, h.n FROM myl.%s i JOIN myl."%s" h ON h.n = i.id ORDER BY 2`, tbl, hostile)
	want(t, c.query(t, join), "apple|1", "Äpfel ünïcode|2")
	plan = strings.Join(c.query(t, `EXPLAIN `+join), "\n")
	if !strings.Contains(plan, "RemoteJoin") || !strings.Contains(plan, "AS `l` JOIN `test`.`"+strings.ReplaceAll(hostile, "`", "``")+"` AS `r` ON `l`.`id` = `r`.`n`") {
		t.Fatalf("join not pushed:\n%s", plan)
	}
	// text groups stay in Tern on MySQL (its collation would merge apple and APPLE)
	want(t, c.query(t, fmt.Sprintf(`SELECT name, count(*) FROM myl.%s WHERE id IN (1, 4) GROUP BY name ORDER BY 1`, tbl)), "APPLE|1", "apple|1")
	plan = strings.Join(c.query(t, fmt.Sprintf(`EXPLAIN SELECT name, count(*) FROM myl.%s GROUP BY name`, tbl)), "\n")
	if strings.Contains(plan, "RemoteAggregate") {
		t.Fatalf("a text group was pushed to MySQL:\n%s", plan)
	}
	want(t, c.query(t, fmt.Sprintf(`SELECT n FROM myl."%s" WHERE "co`+"`"+`l'" = 'O''Reilly\''; DROP'`, hostile)), "1")
	wantErrText(t, fedQueryErr(c, fmt.Sprintf(`SELECT b FROM myl.%s`, tbl)), codes.Unimplemented, `column "b" of foreign table "`+tbl+`" has remote type blob`)
}

// One query over PostgreSQL, MariaDB, a Parquet file and a native table.
func TestFederationCrossSource(t *testing.T) {
	sch := pgSchema(t, `CREATE TABLE customers (id int, name text)`,
		`INSERT INTO customers VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')`)
	orders := randName("fed_") + "_orders"
	myTables(t, []string{orders}, "CREATE TABLE `"+orders+"` (id INT, customer INT, product INT, qty INT)",
		"INSERT INTO `"+orders+"` VALUES (10, 1, 100, 2), (11, 1, 101, 1), (12, 2, 100, 5), (13, 3, 102, 7)")
	dir := t.TempDir()
	sc := arrow.NewSchema([]arrow.Field{{Name: "product", Type: arrow.PrimitiveTypes.Int32}, {Name: "price", Type: arrow.PrimitiveTypes.Float64}}, nil)
	writeTestParquet(t, filepath.Join(dir, "prices.parquet"), sc, `[{"product": 100, "price": 2.5}, {"product": 101, "price": 10}, {"product": 102, "price": 1}]`)
	ts := startServer(t, func(cfg *Config) { cfg.AllowDirs = []string{dir} })
	c := ts.client(t)
	pgServer(t, c, "")
	c.exec(t, `CREATE SERVER my FOREIGN DATA WRAPPER mysql OPTIONS (host '127.0.0.1', port '3306', dbname 'test')`)
	c.exec(t, `CREATE USER MAPPING FOR PUBLIC SERVER my OPTIONS (user 'root')`)
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE customers (id integer, name text) SERVER pg OPTIONS (schema_name '%s', table_name 'customers')`, sch))
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE orders (id integer, customer integer, product integer, qty integer) SERVER my OPTIONS (dbname 'test', table_name '%s')`, orders))
	c.exec(t, `CREATE TABLE discounts (customer integer, pct integer)`)
	c.exec(t, `INSERT INTO discounts VALUES (1, 10), (2, 0), (3, 50)`)
	q := fmt.Sprintf(`SELECT c.name, sum(o.qty * p.price * (100 - d.pct) / 100) AS total
		FROM customers c JOIN orders o ON o.customer = c.id
		JOIN read_parquet('%s') p ON p.product = o.product
		JOIN discounts d ON d.customer = c.id
		GROUP BY c.name ORDER BY c.name`, filepath.Join(dir, "prices.parquet"))
	want(t, c.query(t, q), "ann|13.5", "bob|12.5", "cy|3.5")

	// the files wrapper: a Parquet foreign table (under --allow-dir only)
	c.exec(t, `CREATE SERVER lake FOREIGN DATA WRAPPER files`)
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE prices (product integer, price double precision) SERVER lake OPTIONS (filename '%s', format 'parquet')`, filepath.Join(dir, "*.parquet")))
	q = `SELECT c.name, sum(o.qty * p.price * (100 - d.pct) / 100) AS total
		FROM customers c JOIN orders o ON o.customer = c.id
		JOIN prices p ON p.product = o.product
		JOIN discounts d ON d.customer = c.id
		GROUP BY c.name ORDER BY c.name`
	want(t, c.query(t, q), "ann|13.5", "bob|12.5", "cy|3.5")
	want(t, c.query(t, `SELECT table_type FROM information_schema.tables WHERE table_name = 'prices'`), "FOREIGN")
	c.exec(t, `CREATE FOREIGN TABLE passwd (a text) SERVER lake OPTIONS (filename '/etc/passwd', format 'csv')`)
	wantCode(t, fedQueryErr(c, `SELECT * FROM passwd`), codes.PermissionDenied)

	// loading the warehouse from the join
	c.exec(t, `CREATE TABLE totals AS `+q)
	want(t, c.query(t, `SELECT * FROM totals ORDER BY 1`), "ann|13.5", "bob|12.5", "cy|3.5")
	c.exec(t, `INSERT INTO totals SELECT name, 0 FROM customers WHERE id = 1`)
	want(t, c.query(t, `SELECT count(*) FROM totals`), "4")
}

// Secrets are sealed at rest and appear in no output: logs, errors, EXPLAIN, GetSqlInfo,
// information_schema, pg_catalog, the query history, nor any file of the data directory;
// a restarted server (same data directory) opens them again.
func TestFederationSecrets(t *testing.T) {
	sch := pgSchema(t, `CREATE TABLE s (id int)`, `INSERT INTO s VALUES (1)`)
	dir := t.TempDir()
	var logs syncBuffer
	start := func() (*Server, *client, func()) {
		alloc := memory.NewCheckedAllocator(memory.NewGoAllocator())
		ctx, cancel := context.WithCancel(context.Background())
		srv, _, err := New(ctx, Config{Listen: "127.0.0.1:0", DataDir: dir, AdminPassword: testPassword, Alloc: alloc,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Listen(); err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx) }()
		c := dialClient(t, srv.Addr(), "admin", testPassword, insecureDial()...)
		return srv, c, func() { cancel(); <-served }
	}
	_, c, stop := start()
	pgServer(t, c, "")
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE s (id integer) SERVER pg OPTIONS (schema_name '%s', table_name 's')`, sch))
	c.exec(t, `CREATE SERVER bad FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '1', dbname 'test')`)
	c.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER bad OPTIONS (user 'postgres', password '`+fedSecret+`')`)
	c.exec(t, `CREATE FOREIGN TABLE sbad (id integer) SERVER bad OPTIONS (table_name 's')`)
	c.exec(t, `ALTER USER MAPPING FOR CURRENT_USER SERVER bad OPTIONS (SET password '`+fedSecret+`')`)
	var outputs []string
	collect := func(sql string) {
		info, err := c.Execute(c.ctx, sql)
		if err != nil {
			outputs = append(outputs, err.Error())
			return
		}
		rows, err := c.readInfo(c.ctx, info)
		outputs = append(outputs, rows...)
		if err != nil {
			outputs = append(outputs, err.Error())
		}
	}
	for _, q := range []string{`SELECT * FROM s`, `EXPLAIN SELECT * FROM s WHERE id = 1`, `EXPLAIN VERBOSE SELECT * FROM s`,
		`EXPLAIN ANALYZE SELECT * FROM s`, `SELECT * FROM sbad`, `SELECT * FROM information_schema.tables`,
		`SELECT * FROM information_schema.columns`, `SELECT * FROM pg_catalog.pg_class`, `SELECT * FROM pg_catalog.pg_attribute`,
		`SELECT * FROM pg_catalog.pg_settings`, `SELECT tern.last_query()`, `SELECT * FROM tern.query_history()`} {
		collect(q)
	}
	if info, err := c.GetSqlInfo(c.ctx, nil); err == nil {
		rows, _ := c.readInfo(c.ctx, info)
		outputs = append(outputs, rows...)
	}
	_, ferr := c.ExecuteUpdate(c.ctx, `CREATE SERVER pg FOREIGN DATA WRAPPER postgres OPTIONS (host 'x', password '`+fedSecret+`')`)
	outputs = append(outputs, fmt.Sprint(ferr))
	all := strings.Join(outputs, "\n")
	if !strings.Contains(all, `could not connect to server "bad"`) {
		t.Fatalf("the down server's error is not there:\n%s", all)
	}
	if strings.Contains(all, fedSecret) {
		t.Fatalf("the password appears in an output:\n%s", all)
	}
	stop()
	if strings.Contains(logs.String(), fedSecret) {
		t.Fatal("the password appears in the log")
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		if strings.Contains(string(b), fedSecret) {
			t.Errorf("the password is in %s", path)
		}
		return nil
	})
	// restart: the sealed secrets open with the data directory's key
	_, c2, stop2 := start()
	defer stop2()
	want(t, c2.query(t, `SELECT id FROM s`), "1")
}

// Errors with PostgreSQL's texts; a source that is down or slow fails within the deadline,
// naming the server, and other queries go on.
func TestFederationErrors(t *testing.T) {
	sch := pgSchema(t, `CREATE TABLE t (id int)`, `INSERT INTO t VALUES (1)`,
		`CREATE VIEW slow AS SELECT id FROM t, pg_sleep(30)`)
	ts := startServer(t, nil)
	c := ts.client(t)
	_, err := c.ExecuteUpdate(c.ctx, `CREATE USER MAPPING FOR CURRENT_USER SERVER nope OPTIONS (user 'x')`)
	wantErrText(t, err, codes.NotFound, `server "nope" does not exist`)
	_, err = c.ExecuteUpdate(c.ctx, `CREATE SERVER x FOREIGN DATA WRAPPER oracle_fdw`)
	wantErrText(t, err, codes.NotFound, `foreign-data wrapper "oracle_fdw" does not exist`)
	_, err = c.ExecuteUpdate(c.ctx, `CREATE SERVER x FOREIGN DATA WRAPPER postgres OPTIONS (hots 'a')`)
	wantErrText(t, err, codes.InvalidArgument, `invalid option "hots"`)
	c.exec(t, `CREATE SERVER pg FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1', port '5432', dbname 'test')`)
	_, err = c.ExecuteUpdate(c.ctx, `CREATE SERVER pg FOREIGN DATA WRAPPER postgres`)
	wantErrText(t, err, codes.AlreadyExists, `server "pg" already exists`)
	c.exec(t, `CREATE SERVER IF NOT EXISTS pg FOREIGN DATA WRAPPER postgres`)
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE t (id integer) SERVER pg OPTIONS (schema_name '%s')`, sch))
	wantErrText(t, fedQueryErr(c, `SELECT * FROM t`), codes.FailedPrecondition, `user mapping not found for user "admin", server "pg"`)
	c.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres')`)
	_, err = c.ExecuteUpdate(c.ctx, `CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres')`)
	wantErrText(t, err, codes.AlreadyExists, `user mapping for "admin" already exists for server "pg"`)
	want(t, c.query(t, `SELECT id FROM t`), "1")

	// only the admin manages servers; a user manages their own mapping only
	c.exec(t, `CREATE USER bob PASSWORD 'bobs-password'`)
	bob := dialClient(t, ts.addr, "bob", "bobs-password", insecureDial()...)
	_, err = bob.ExecuteUpdate(bob.ctx, `CREATE SERVER evil FOREIGN DATA WRAPPER postgres OPTIONS (host '10.0.0.1')`)
	wantErrText(t, err, codes.PermissionDenied, `permission denied for foreign-data wrapper postgres`)
	_, err = bob.ExecuteUpdate(bob.ctx, `ALTER SERVER pg OPTIONS (SET host '10.0.0.1')`)
	wantErrText(t, err, codes.PermissionDenied, `must be owner of foreign server pg`)
	_, err = bob.ExecuteUpdate(bob.ctx, `CREATE USER MAPPING FOR PUBLIC SERVER pg OPTIONS (user 'postgres')`)
	wantCode(t, err, codes.PermissionDenied)
	wantErrText(t, fedQueryErr(bob, `SELECT id FROM t`), codes.FailedPrecondition, `user mapping not found for user "bob", server "pg"`)
	bob.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER pg OPTIONS (user 'postgres')`)
	want(t, bob.query(t, `SELECT id FROM t`), "1")

	// a source answering an error: named with the server
	c.exec(t, `CREATE FOREIGN TABLE gone (id integer) SERVER pg OPTIONS (schema_name 'public', table_name 'no_such_table_here')`)
	wantErrText(t, fedQueryErr(c, `SELECT * FROM gone`), codes.Unavailable, `server "pg": ERROR: relation "public.no_such_table_here" does not exist`)

	// ALTER SERVER: a wrong port makes the server unreachable, and back
	c.exec(t, `ALTER SERVER pg OPTIONS (SET port '1')`)
	startQ := time.Now()
	wantErrText(t, fedQueryErr(c, `SELECT id FROM t`), codes.Unavailable, `could not connect to server "pg"`)
	if time.Since(startQ) > 15*time.Second {
		t.Fatalf("a down server took %v", time.Since(startQ))
	}
	c.exec(t, `ALTER SERVER pg OPTIONS (SET port '5432')`)

	// a slow source ends at the statement's deadline; the gateway serves others meanwhile
	c.exec(t, fmt.Sprintf(`CREATE FOREIGN TABLE slow (id integer) SERVER pg OPTIONS (schema_name '%s')`, sch))
	c.exec(t, `SET statement_timeout = '1s'`)
	done := make(chan error, 1)
	startQ = time.Now()
	go func() { done <- fedQueryErr(c, `SELECT * FROM slow`) }()
	other := ts.client(t)
	want(t, other.query(t, `SELECT id FROM t`), "1")
	select {
	case err := <-done:
		wantCode(t, err, codes.DeadlineExceeded)
		if time.Since(startQ) > 10*time.Second {
			t.Fatalf("the slow source took %v", time.Since(startQ))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a slow source hung the query")
	}
	c.exec(t, `SET statement_timeout = 0`)

	// DROP SERVER needs CASCADE while foreign tables depend on it
	_, err = c.ExecuteUpdate(c.ctx, `DROP SERVER pg`)
	wantErrText(t, err, codes.FailedPrecondition, `cannot drop server pg because other objects depend on it`)
	c.exec(t, `DROP USER MAPPING FOR CURRENT_USER SERVER pg`)
	_, err = c.ExecuteUpdate(c.ctx, `DROP USER MAPPING FOR CURRENT_USER SERVER pg`)
	wantErrText(t, err, codes.NotFound, `user mapping for "admin" does not exist for server "pg"`)
	c.exec(t, `DROP USER MAPPING IF EXISTS FOR CURRENT_USER SERVER pg`)
	c.exec(t, `DROP SERVER pg CASCADE`)
	want(t, c.query(t, `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('t', 'slow', 'gone')`), "0")
	_, err = c.ExecuteUpdate(c.ctx, `DROP SERVER pg`)
	wantErrText(t, err, codes.NotFound, `server "pg" does not exist`)
	c.exec(t, `DROP SERVER IF EXISTS pg`)
}

func insecureDial() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
}

// A second Tern as a Flight SQL source: IMPORT FOREIGN SCHEMA through GetTables, filters and
// LIMIT pushed as SQL, batches passed on, a join with a native table.
func TestFederationFlightSQL(t *testing.T) {
	remote := startServer(t, nil)
	rc := remote.client(t)
	rc.exec(t, `CREATE SCHEMA shop`)
	rc.exec(t, `CREATE TABLE shop.sales (id bigint, region text, amount numeric(10,2), day date)`)
	rc.exec(t, `INSERT INTO shop.sales VALUES (1, 'north', 10.50, '2024-01-01'), (2, 'south', 20.00, '2024-01-02'), (3, 'north', NULL, NULL), (4, 'it''s', 1.25, '2024-02-01')`)
	host, port, _ := strings.Cut(remote.addr, ":")

	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, fmt.Sprintf(`CREATE SERVER tern2 FOREIGN DATA WRAPPER flightsql OPTIONS (host '%s', port '%s')`, host, port))
	c.exec(t, `CREATE USER MAPPING FOR CURRENT_USER SERVER tern2 OPTIONS (user 'admin', password '`+testPassword+`')`)
	c.exec(t, `CREATE SCHEMA r`)
	c.exec(t, `IMPORT FOREIGN SCHEMA shop FROM SERVER tern2 INTO r`)
	want(t, c.query(t, `SELECT id, region, amount, day FROM r.sales ORDER BY id`),
		"1|north|10.50|2024-01-01", "2|south|20.00|2024-01-02", "3|north|NULL|NULL", "4|it's|1.25|2024-02-01")
	want(t, c.query(t, `SELECT id FROM r.sales WHERE region = 'it''s' AND amount > 1`), "4")
	plan := strings.Join(c.query(t, `EXPLAIN SELECT id FROM r.sales WHERE region = 'north' AND id >= 2`), "\n")
	if !strings.Contains(plan, `server=tern2 remote=["SELECT \"id\", \"region\" FROM \"shop\".\"sales\" WHERE \"region\" = 'north' AND \"id\" >= 2"]`) {
		t.Fatalf("EXPLAIN:\n%s", plan)
	}
	want(t, c.query(t, `SELECT id FROM r.sales WHERE region = 'north' AND id >= 2`), "3")
	want(t, c.query(t, `SELECT count(*) FROM r.sales`), "4")
	c.exec(t, `CREATE TABLE regions (region text, boss text)`)
	c.exec(t, `INSERT INTO regions VALUES ('north', 'ann'), ('south', 'bob')`)
	want(t, c.query(t, `SELECT g.boss, sum(s.amount) FROM r.sales s JOIN regions g ON g.region = s.region GROUP BY g.boss ORDER BY 1`),
		"ann|10.50", "bob|20.00")
	// the remote table changes type: a clear error naming the column
	rc.exec(t, `DROP TABLE shop.sales`)
	rc.exec(t, `CREATE TABLE shop.sales (id integer, region text, amount numeric(10,2), day date)`)
	wantErrText(t, fedQueryErr(c, `SELECT id FROM r.sales`), codes.FailedPrecondition, `column "id" of foreign table "sales" changed on server "tern2"`)
}
