package sqllogictest

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Kind is the kind of a record.
type Kind int

// Record kinds.
const (
	KindStatement Kind = iota // statement ok | statement error <re> | statement count <n>
	KindQuery                 // query <types> [sort] | query error <re>
	KindInclude               // include <path or glob>
	KindHalt                  // halt
	KindLoad                  // load <data set>, e.g. load tpch
)

// SortMode says how rows are ordered before comparison.
type SortMode int

// Sort modes.
const (
	NoSort    SortMode = iota // rows compared in the order returned
	RowSort                   // rendered rows sorted as strings
	ValueSort                 // all values sorted, one value per line
)

func (m SortMode) String() string {
	switch m {
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return "nosort"
}

// Condition is a skipif/onlyif line in front of a record.
type Condition struct {
	Only   bool   // onlyif (true) or skipif (false)
	Engine string // e.g. "tern", "postgres"
}

// Record is one unit of an .slt file.
type Record struct {
	Kind       Kind
	Line       int // 1-based line of the statement/query/include/halt keyword
	Conditions []Condition
	SQL        string

	ExpectError bool           // statement error / query error
	ErrorRe     *regexp.Regexp // nil with ExpectError: any error
	ErrorText   string         // the regex as written
	Count       int64          // statement count n; -1 when not checked

	Types    string   // query column type letters, e.g. "ITR"
	Sort     SortMode // query sort mode
	SortWord string   // the sort word as written ("" if none)
	Expected []string // expected result lines after ----
	HasSep   bool     // the record has a ---- line

	Path string // include target; the data set of a load record

	// Line spans (0-based, end exclusive) for rewriting.
	headerIdx        int
	sqlEnd           int // index after the last SQL line
	resultStart, end int // result lines [resultStart, end); end is the record's end
}

// Script is a parsed .slt file.
type Script struct {
	Path    string
	Lines   []string
	Records []*Record
}

// ParseFile reads and parses an .slt file.
func ParseFile(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(b))
}

// Parse parses the text of an .slt file; name is used in error messages.
func Parse(name, text string) (*Script, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the final newline
	}
	s := &Script{Path: name, Lines: lines}
	errorf := func(i int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, i+1, fmt.Sprintf(format, args...))
	}
	blank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }

	var conds []Condition
	for i := 0; i < len(lines); {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		fields := strings.Fields(line)
		switch fields[0] {
		case "skipif", "onlyif":
			if len(fields) != 2 {
				return nil, errorf(i, "%s needs exactly one engine name", fields[0])
			}
			conds = append(conds, Condition{Only: fields[0] == "onlyif", Engine: fields[1]})
			i++
			continue
		case "hash-threshold":
			i++
			continue
		}

		r := &Record{Line: i + 1, Conditions: conds, Count: -1, headerIdx: i}
		conds = nil
		switch fields[0] {
		case "halt":
			if len(fields) != 1 {
				return nil, errorf(i, "halt takes no arguments")
			}
			r.Kind = KindHalt
			i++
		case "include":
			if len(fields) < 2 {
				return nil, errorf(i, "include needs a path")
			}
			r.Kind = KindInclude
			r.Path = strings.TrimSpace(strings.TrimPrefix(line, "include"))
			i++
		case "load":
			if len(fields) != 2 {
				return nil, errorf(i, "load needs exactly one data set name (e.g. load tpch)")
			}
			r.Kind = KindLoad
			r.Path = fields[1]
			i++
		case "statement", "query":
			if len(fields) < 2 {
				return nil, errorf(i, "%s needs an argument", fields[0])
			}
			r.Kind = KindStatement
			if fields[0] == "query" {
				r.Kind = KindQuery
			}
			switch {
			case fields[1] == "error":
				r.ExpectError = true
				r.ErrorText = strings.TrimSpace(line[strings.Index(line, "error")+len("error"):])
				if r.ErrorText != "" {
					re, err := regexp.Compile(r.ErrorText)
					if err != nil {
						return nil, errorf(i, "bad error regex: %v", err)
					}
					r.ErrorRe = re
				}
			case r.Kind == KindStatement && fields[1] == "ok":
				if len(fields) != 2 {
					return nil, errorf(i, "unexpected %q after statement ok", fields[2])
				}
			case r.Kind == KindStatement && fields[1] == "count":
				if len(fields) != 3 {
					return nil, errorf(i, "statement count needs a number")
				}
				n, err := strconv.ParseInt(fields[2], 10, 64)
				if err != nil || n < 0 {
					return nil, errorf(i, "bad statement count %q", fields[2])
				}
				r.Count = n
			case r.Kind == KindStatement:
				return nil, errorf(i, "expected statement ok, statement error or statement count, got %q", line)
			default:
				r.Types = fields[1]
				for _, c := range r.Types {
					if !strings.ContainsRune("IRTBD", c) {
						return nil, errorf(i, "bad column type %q in %q (want I, R, T, B or D)", c, r.Types)
					}
				}
				if len(fields) > 2 {
					r.SortWord = fields[2]
					switch fields[2] {
					case "nosort":
					case "rowsort":
						r.Sort = RowSort
					case "valuesort":
						r.Sort = ValueSort
					default:
						return nil, errorf(i, "unknown sort mode %q (want nosort, rowsort or valuesort)", fields[2])
					}
				}
				if len(fields) > 3 {
					return nil, errorf(i, "unexpected %q after the sort mode", fields[3])
				}
			}
			i++
			var sql []string
			for i < len(lines) && !blank(i) && strings.TrimSpace(lines[i]) != "----" {
				sql = append(sql, lines[i])
				i++
			}
			if len(sql) == 0 {
				return nil, errorf(r.Line-1, "%s without SQL", fields[0])
			}
			r.SQL = strings.Join(sql, "\n")
			r.sqlEnd = i
			r.resultStart = i
			if i < len(lines) && strings.TrimSpace(lines[i]) == "----" {
				if r.Kind != KindQuery || r.ExpectError {
					return nil, errorf(i, "---- is only allowed in a query that expects rows")
				}
				r.HasSep = true
				i++
				r.resultStart = i
				for i < len(lines) && !blank(i) {
					r.Expected = append(r.Expected, strings.TrimRight(lines[i], " \t"))
					i++
				}
			}
		default:
			return nil, errorf(i, "unknown record %q", fields[0])
		}
		r.end = i
		s.Records = append(s.Records, r)
	}
	if len(conds) > 0 {
		return nil, fmt.Errorf("%s: skipif/onlyif at the end of the file without a record", name)
	}
	return s, nil
}

// Applies reports whether the record runs on the named engine.
func (r *Record) Applies(engine string) bool {
	for _, c := range r.Conditions {
		if c.Only != (c.Engine == engine) {
			return false
		}
	}
	return true
}
