package planner

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/planner/logical"
	"github.com/tern-db/tern/proto/errs"
)

// settings.go: the one registry of configuration parameters. SET, RESET, SHOW, SHOW ALL and
// pg_settings read it here; the gateway stores the values a session set (server-side, with
// the session) and reads the ones it acts on (search_path, statement_timeout,
// tern.dry_run) through SettingValue. Names are PostgreSQL's where PostgreSQL has the
// parameter and compare case-insensitively, as in PostgreSQL. An unknown name is an error,
// never ignored, and a value is checked and normalised when it is set, so that what SHOW
// answers is what the session runs with.

// Param is one configuration parameter.
type Param struct {
	Name    string // as PostgreSQL spells it (DateStyle, TimeZone); lookups ignore case
	Default string
	Desc    string
	// ReadOnly parameters can be shown but not set (server_version, ...).
	ReadOnly bool
	// normalize checks a value and returns its canonical text; nil accepts any text.
	normalize func(string) (string, error)
}

// Param names the gateway acts on.
const (
	SettingSearchPath       = "search_path"
	SettingStatementTimeout = "statement_timeout"
	SettingDryRun           = "tern.dry_run"
	SettingPartitions       = "tern.partitions"
)

var params = []Param{
	{Name: "application_name", Desc: "Sets the application name to be reported in statistics and logs."},
	{Name: "client_encoding", Default: "UTF8", Desc: "Sets the client's character set encoding (Tern: UTF8 only).",
		normalize: oneOf("Tern supports UTF8 only", map[string]string{"utf8": "UTF8", "utf-8": "UTF8", "unicode": "UTF8"})},
	{Name: "DateStyle", Default: "ISO, MDY", Desc: "Sets the display format for date and time values (Tern: ISO, MDY only).",
		normalize: oneOf("Tern supports ISO, MDY only", map[string]string{"iso, mdy": "ISO, MDY", "iso,mdy": "ISO, MDY", "iso": "ISO, MDY", "mdy": "ISO, MDY", "mdy, iso": "ISO, MDY"})},
	{Name: "extra_float_digits", Default: "1", Desc: "Sets the number of digits displayed for floating-point values (Arrow results carry binary floats: no effect on them).",
		normalize: intRange(-15, 3)},
	{Name: "IntervalStyle", Default: "postgres", Desc: "Sets the display format for interval values (Tern: postgres only).",
		normalize: oneOf("Tern supports postgres only", map[string]string{"postgres": "postgres"})},
	{Name: "integer_datetimes", Default: "on", Desc: "Shows whether datetimes are integer based.", ReadOnly: true},
	{Name: "max_identifier_length", Default: "63", Desc: "Shows the maximum identifier length.", ReadOnly: true},
	{Name: SettingSearchPath, Default: `"$user", public`, Desc: "Sets the schema search order for names that are not schema-qualified (the first existing schema is the current one)."},
	{Name: "server_encoding", Default: "UTF8", Desc: "Shows the server (database) character set encoding.", ReadOnly: true},
	{Name: "server_version", Default: "16.0", Desc: "Shows the server version (the PostgreSQL dialect Tern speaks).", ReadOnly: true},
	{Name: "standard_conforming_strings", Default: "on", Desc: "Causes '...' strings to treat backslashes literally (Tern: on only).",
		normalize: oneOf("Tern supports on only", map[string]string{"on": "on", "true": "on", "yes": "on", "1": "on"})},
	{Name: SettingStatementTimeout, Default: "0", Desc: "Sets the maximum allowed duration of any statement (0 turns this off).", normalize: durationMillis},
	{Name: "TimeZone", Default: "UTC", Desc: "Sets the time zone for displaying and interpreting time stamps (Tern: UTC only).",
		normalize: oneOf("Tern runs in UTC only", map[string]string{"utc": "UTC", "etc/utc": "UTC", "gmt": "UTC", "etc/gmt": "UTC", "zulu": "UTC", "z": "UTC", "universal": "UTC", "+00:00": "UTC", "0": "UTC"})},
	{Name: SettingDryRun, Default: "off", Desc: "Answer queries with the bytes they would scan instead of running them.", normalize: boolSetting},
	{Name: SettingPartitions, Default: "0", Desc: "Run queries cut into fragments: scans in fragments of their own, grouped aggregates over this many hash partitions, results in as many partitions (0 or 1: one fragment, the default).", normalize: intRange(0, 64)},
}

var paramsByName = func() map[string]*Param {
	m := make(map[string]*Param, len(params))
	for i := range params {
		m[strings.ToLower(params[i].Name)] = &params[i]
	}
	return m
}()

// LookupParam finds a parameter by name, ignoring case.
func LookupParam(name string) (*Param, bool) {
	p, ok := paramsByName[strings.ToLower(name)]
	return p, ok
}

// Params lists every parameter, sorted by name as SHOW ALL lists them.
func Params() []Param {
	out := append([]Param(nil), params...)
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// SettingValue is the value of a parameter in a session whose set values are settings
// (lower-case names, as Set.Name): the set value, else the default.
func SettingValue(settings map[string]string, name string) string {
	if v, ok := settings[strings.ToLower(name)]; ok {
		return v
	}
	if p, ok := LookupParam(name); ok {
		return p.Default
	}
	return ""
}

// StatementTimeout is the session's statement_timeout; 0 means none.
func StatementTimeout(settings map[string]string) time.Duration {
	ms, err := parseMillis(SettingValue(settings, SettingStatementTimeout))
	if err != nil {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// SearchPathSchema is the current schema a search_path names: its first entry that is not
// "$user", pg_catalog or pg_temp ("" when there is none).
func SearchPathSchema(path string) string {
	for _, s := range splitSearchPath(path) {
		switch s {
		case "$user", "pg_catalog", "pg_temp":
			continue
		}
		return s
	}
	return ""
}

func splitSearchPath(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ",") {
		part = strings.TrimSpace(part)
		if len(part) >= 2 && part[0] == '"' && part[len(part)-1] == '"' {
			part = strings.ReplaceAll(part[1:len(part)-1], `""`, `"`)
		} else {
			part = strings.ToLower(part)
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

func invalidValue(p *Param, v, why string) error {
	if why != "" {
		return logical.Errorf(errs.ErrInvalidArgument, "invalid value for parameter \"%s\": \"%s\" (%s)", p.Name, v, why)
	}
	return logical.Errorf(errs.ErrInvalidArgument, "invalid value for parameter \"%s\": \"%s\"", p.Name, v)
}

func oneOf(why string, values map[string]string) func(string) (string, error) {
	return func(v string) (string, error) {
		if c, ok := values[strings.ToLower(strings.TrimSpace(v))]; ok {
			return c, nil
		}
		return "", errInvalid(why)
	}
}

// outOfRange is PostgreSQL's error for an integer parameter out of its range.
type outOfRange struct{ n, lo, hi int64 }

func (e outOfRange) Error() string { return "out of range" }

// errInvalid carries the reason a value is refused until the parameter's name is known.
type errInvalid string

func (e errInvalid) Error() string { return string(e) }

func boolSetting(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", errInvalid("a Boolean value is required")
}

func intRange(lo, hi int64) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return "", errInvalid("")
		}
		if n < lo || n > hi {
			return "", outOfRange{n, lo, hi}
		}
		return strconv.FormatInt(n, 10), nil
	}
}

// durationUnits are PostgreSQL's time units for millisecond parameters, largest first (the
// display picks the largest that represents the value exactly, as PostgreSQL does).
var durationUnits = []struct {
	name string
	ms   int64
}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}}

func parseMillis(v string) (int64, error) {
	v = strings.TrimSpace(v)
	num, unit := v, "ms"
	for i, r := range v {
		if (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' {
			num, unit = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i:])
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errInvalid("")
	}
	mult := int64(-1)
	if unit == "us" {
		f, mult = f/1000, 1
	}
	for _, u := range durationUnits {
		if u.name == unit {
			mult = u.ms
		}
	}
	if mult < 0 {
		return 0, errInvalid(`valid units for this parameter are "us", "ms", "s", "min", "h", and "d"`)
	}
	ms := math.Round(f * float64(mult))
	if ms < 0 || ms > math.MaxInt32 {
		return 0, errInvalid("outside the valid range 0 .. 2147483647 milliseconds")
	}
	return int64(ms), nil
}

func durationMillis(v string) (string, error) {
	ms, err := parseMillis(v)
	if err != nil {
		return "", err
	}
	if ms == 0 {
		return "0", nil
	}
	for _, u := range durationUnits {
		if ms%u.ms == 0 {
			return strconv.FormatInt(ms/u.ms, 10) + u.name, nil
		}
	}
	return strconv.FormatInt(ms, 10) + "ms", nil
}

// NormalizeSetting checks value for the parameter name and returns the parameter's
// lower-case name and the canonical value. search_path is checked for syntax only here (the
// binder checks that its schema exists).
func NormalizeSetting(name, value string) (string, string, error) {
	p, ok := LookupParam(name)
	if !ok {
		return "", "", logical.Errorf(errs.ErrInvalidArgument, "unrecognized configuration parameter \"%s\"", name)
	}
	if p.ReadOnly {
		return "", "", logical.Errorf(errs.ErrInvalidArgument, "parameter \"%s\" cannot be changed", p.Name)
	}
	if p.Name == SettingSearchPath {
		parts := splitSearchPath(value)
		quoted := make([]string, len(parts))
		for i, s := range parts {
			if s == "$user" || (s == strings.ToLower(s) && !strings.ContainsAny(s, ` ,"`)) {
				quoted[i] = s
				if s == "$user" {
					quoted[i] = `"$user"`
				}
			} else {
				quoted[i] = `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
			}
		}
		return strings.ToLower(p.Name), strings.Join(quoted, ", "), nil
	}
	if p.normalize == nil {
		return strings.ToLower(p.Name), value, nil
	}
	v, err := p.normalize(value)
	if r, ok := err.(outOfRange); ok {
		return "", "", logical.Errorf(errs.ErrInvalidArgument, "%d is outside the valid range for parameter \"%s\" (%d .. %d)", r.n, p.Name, r.lo, r.hi)
	}
	if err != nil {
		return "", "", invalidValue(p, value, err.Error())
	}
	return strings.ToLower(p.Name), v, nil
}

// bindSet binds SET, SET ... TO DEFAULT, RESET name and RESET ALL.
func (b *binder) bindSet(vs *pg.VariableSetStmt) (*boundStmt, error) {
	if vs.IsLocal {
		// Tern has no transaction-scoped settings; a SET LOCAL that did nothing would be
		// silent, so it is refused.
		return nil, notSupported("SET LOCAL is not supported: settings apply to the whole session (use SET)")
	}
	st := &Set{Name: strings.ToLower(vs.Name)}
	switch vs.Kind {
	case pg.VariableSetKind_VAR_SET_VALUE:
		parts := make([]string, len(vs.Args))
		for i, a := range vs.Args {
			if c := a.GetAConst(); c != nil {
				parts[i] = constString(c)
			} else {
				parts[i] = defString(a)
			}
		}
		if st.Name == SettingSearchPath {
			for i, p := range parts { // identifiers keep their case through quoting
				if p != strings.ToLower(p) || strings.ContainsAny(p, ` ,"$`) {
					parts[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
				}
			}
		}
		st.Value = strings.Join(parts, ", ")
	case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
		st.Reset = true
	case pg.VariableSetKind_VAR_RESET_ALL:
		st.Name, st.Reset = "all", true
		return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) { return st, nil }}, nil
	default:
		return nil, notSupported("this form of SET is not supported yet")
	}
	if st.Name == "" {
		return nil, notSupported("this form of SET is not supported yet")
	}
	if st.Name == "schema" { // SET SCHEMA 'x' is SET search_path = 'x'
		st.Name = SettingSearchPath
	}
	if st.Reset {
		p, ok := LookupParam(st.Name)
		if !ok {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "unrecognized configuration parameter \"%s\"", st.Name)
		}
		if p.ReadOnly {
			return nil, logical.Errorf(errs.ErrInvalidArgument, "parameter \"%s\" cannot be changed", p.Name)
		}
	} else {
		name, v, err := NormalizeSetting(st.Name, st.Value)
		if err != nil {
			return nil, err
		}
		st.Name, st.Value = name, v
		if name == SettingSearchPath {
			if err := b.checkSearchPath(v); err != nil {
				return nil, err
			}
		}
	}
	return &boundStmt{kind: KindUpdate, build: func(*Query, logical.Node) (Statement, error) { return st, nil }}, nil
}

// checkSearchPath refuses a search_path whose current schema does not exist: unlike
// PostgreSQL, which would silently fall back to the next entry, Tern says so.
func (b *binder) checkSearchPath(path string) error {
	s := SearchPathSchema(path)
	if s == "" {
		return nil
	}
	schemas, err := b.schemas()
	if err != nil {
		return err
	}
	for _, have := range schemas {
		if have == s {
			return nil
		}
	}
	return logical.Errorf(errs.ErrNotFound, "schema \"%s\" does not exist", s)
}

// sessionSetting is the value of a parameter in the session being bound.
func (b *binder) sessionSetting(p *Param) string {
	switch strings.ToLower(p.Name) {
	case SettingSearchPath:
		if _, ok := b.sess.Settings[SettingSearchPath]; !ok && b.sess.Schema != "" && b.sess.Schema != catalog.DefaultSchema {
			return b.sess.Schema // set through SetSessionOptions or a prepared statement's schema
		}
	case SettingDryRun:
		if b.sess.DryRun {
			return "on"
		}
	}
	return SettingValue(b.sess.Settings, p.Name)
}

// bindShow binds SHOW name and SHOW ALL as constant relations (PostgreSQL's columns: one
// column named after the parameter; SHOW ALL: name, setting, description).
func (b *binder) bindShow(vs *pg.VariableShowStmt) (*boundStmt, error) {
	name := strings.ToLower(vs.Name)
	if name == "all" {
		fields := logical.Schema{notNullText("name"), notNullText("setting"), notNullText("description")}
		var rows [][]logical.Expr
		for _, p := range Params() {
			p := p
			rows = append(rows, []logical.Expr{ltxt(p.Name), ltxt(b.sessionSetting(&p)), ltxt(p.Desc)})
		}
		n, _, err := b.virtualRows(fields, rows, "show", nil)
		if err != nil {
			return nil, err
		}
		return queryStmt(n), nil
	}
	p, ok := LookupParam(name)
	if !ok {
		return nil, logical.Errorf(errs.ErrInvalidArgument, "unrecognized configuration parameter \"%s\"", vs.Name)
	}
	n, _, err := b.virtualRows(logical.Schema{notNullText(p.Name)}, [][]logical.Expr{{ltxt(b.sessionSetting(p))}}, "show", nil)
	if err != nil {
		return nil, err
	}
	return queryStmt(n), nil
}

// rowsSettings answers pg_settings from the registry.
func (b *binder) rowsSettings() ([][]logical.Expr, error) {
	var rows [][]logical.Expr
	for _, p := range Params() {
		p := p
		rows = append(rows, []logical.Expr{ltxt(p.Name), ltxt(b.sessionSetting(&p)), ltxt(p.Desc)})
	}
	return rows, nil
}

func notNullText(name string) logical.Field {
	return logical.Field{Name: name, Type: catalog.Text}
}

// currentSetting folds current_setting(name [, missing_ok]) to the session's value; the
// name must be a constant, as it is in practice.
func (b *binder) currentSetting(args []logical.Expr, loc int32) (logical.Expr, error) {
	name, ok := args[0].(*logical.Literal)
	if !ok || name.Value == nil {
		return nil, b.errAt(loc, notSupported("current_setting needs a constant parameter name"))
	}
	missingOK := false
	if len(args) == 2 {
		m, ok := args[1].(*logical.Literal)
		if !ok || m.Typ.Kind != catalog.TypeBool {
			return nil, b.errAt(loc, notSupported("current_setting needs a constant missing_ok"))
		}
		missingOK, _ = m.Value.(bool)
	}
	n, _ := name.Value.(string)
	p, found := LookupParam(n)
	if !found {
		if missingOK {
			return lnull(catalog.Text), nil
		}
		return nil, b.errAt(loc, logical.Errorf(errs.ErrInvalidArgument, "unrecognized configuration parameter \"%s\"", n))
	}
	return ltxt(b.sessionSetting(p)), nil
}
