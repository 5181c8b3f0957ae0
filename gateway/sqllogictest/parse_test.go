package sqllogictest

import (
	"strings"
	"testing"
)

const sample = `# a comment
statement ok
CREATE TABLE t (a INT)

skipif tern
onlyif postgres
statement error relation "x" does not exist
SELECT * FROM x

statement count 2
INSERT INTO t VALUES (1),
  (2)

query IT rowsort
SELECT a,
  'x y'
FROM t
----
2 x y
1 x y

query I
SELECT a FROM t WHERE false

query error division by zero
SELECT 1/0

include other.slt

halt
`

func TestParse(t *testing.T) {
	s, err := Parse("sample.slt", sample)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Records) != 8 {
		t.Fatalf("got %d records", len(s.Records))
	}
	r := s.Records
	if r[0].Kind != KindStatement || r[0].SQL != "CREATE TABLE t (a INT)" || r[0].Line != 2 || r[0].ExpectError {
		t.Errorf("record 0: %+v", r[0])
	}
	if !r[1].ExpectError || r[1].ErrorText != `relation "x" does not exist` || len(r[1].Conditions) != 2 || r[1].Line != 7 {
		t.Errorf("record 1: %+v", r[1])
	}
	if r[1].Applies("tern") || !r[1].Applies("postgres") || r[1].Applies("other") {
		t.Error("conditions of record 1")
	}
	if r[2].Count != 2 || r[2].SQL != "INSERT INTO t VALUES (1),\n  (2)" {
		t.Errorf("record 2: %+v", r[2])
	}
	if r[3].Kind != KindQuery || r[3].Types != "IT" || r[3].Sort != RowSort || !r[3].HasSep ||
		strings.Join(r[3].Expected, "|") != "2 x y|1 x y" || r[3].SQL != "SELECT a,\n  'x y'\nFROM t" {
		t.Errorf("record 3: %+v", r[3])
	}
	if r[4].HasSep || len(r[4].Expected) != 0 {
		t.Errorf("record 4: %+v", r[4])
	}
	if r[5].Kind != KindQuery || !r[5].ExpectError || !r[5].ErrorRe.MatchString("ERROR: division by zero") {
		t.Errorf("record 5: %+v", r[5])
	}
	if r[6].Kind != KindInclude || r[6].Path != "other.slt" || r[7].Kind != KindHalt {
		t.Errorf("records 6, 7: %+v %+v", r[6], r[7])
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"select 1\n", `x.slt:1: unknown record "select"`},
		{"query X\nSELECT 1\n", `x.slt:1: bad column type 'X'`},
		{"query I sideways\nSELECT 1\n", `unknown sort mode "sideways"`},
		{"statement ok\n\n", "x.slt:1: statement without SQL"},
		{"statement maybe\nSELECT 1\n", "expected statement ok"},
		{"statement error (\nSELECT 1\n", "bad error regex"},
		{"statement ok\nSELECT 1\n----\n1\n", "x.slt:3: ---- is only allowed"},
		{"\n\nskipif tern\n", "skipif/onlyif at the end"},
		{"statement count x\nSELECT 1\n", `bad statement count "x"`},
	} {
		_, err := Parse("x.slt", tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.text, err, tc.want)
		}
	}
}
