package gateway

import (
	"context"
	"testing"

	"github.com/apache/arrow-adbc/go/adbc"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/substrait-io/substrait-protobuf/go/substraitpb"
	"github.com/tern-db/tern/connectors/files"
	"github.com/tern-db/tern/proto/planpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	gproto "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func TestConformanceSessionOptions(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE public.where_am_i (v TEXT)`)
	c.exec(t, `INSERT INTO where_am_i VALUES ('public')`)
	if err := ts.cat.CreateSchema(context.Background(), "default", "sales"); err != nil {
		t.Fatal(err)
	}
	c.exec(t, `CREATE TABLE sales.where_am_i (v TEXT)`)
	c.exec(t, `INSERT INTO sales.where_am_i VALUES ('sales')`)

	get := func(c *client) map[string]string {
		t.Helper()
		res, err := c.GetSessionOptions(c.ctx, &flight.GetSessionOptionsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for k, v := range res.SessionOptions {
			out[k] = v.GetStringValue()
		}
		return out
	}
	if o := get(c); o["catalog"] != "tern" || o["schema"] != "public" {
		t.Fatalf("initial options %v", o)
	}
	opts, err := flight.NewSessionOptionValues(map[string]any{"schema": "sales", "catalog": "tern"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.SetSessionOptions(c.ctx, &flight.SetSessionOptionsRequest{SessionOptions: opts})
	if err != nil || len(res.Errors) != 0 {
		t.Fatalf("set: %v %v", res, err)
	}
	if o := get(c); o["schema"] != "sales" {
		t.Fatalf("options after set %v", o)
	}
	// The current schema resolves unqualified names, also in prepared statements.
	want(t, c.query(t, `SELECT v FROM where_am_i`), "sales")
	ps, err := c.Prepare(c.ctx, `SELECT v FROM where_am_i`)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ps.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, info), "sales")
	ps.Close(c.ctx)
	// Another client's session is its own.
	other := ts.client(t)
	want(t, other.query(t, `SELECT v FROM where_am_i`), "public")

	// Bad names and values are reported per option; the session keeps its state.
	bad, _ := flight.NewSessionOptionValues(map[string]any{"schema": "nope", "catalog": "other", "colour": "blue"})
	res, err = c.SetSessionOptions(c.ctx, &flight.SetSessionOptionsRequest{SessionOptions: bad})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["schema"].GetValue() != flight.SetSessionOptionsResultErrorInvalidValue ||
		res.Errors["catalog"].GetValue() != flight.SetSessionOptionsResultErrorInvalidValue ||
		res.Errors["colour"].GetValue() != flight.SetSessionOptionsResultErrorInvalidName {
		t.Fatalf("errors %v", res.Errors)
	}
	if o := get(c); o["schema"] != "sales" {
		t.Fatalf("options after bad set %v", o)
	}
	// SET search_path does the same from SQL (sent as a query: the cookie comes back in the
	// response headers, which arrow-go's ExecuteUpdate never reads for DoPut).
	if _, err := c.Execute(c.ctx, `SET search_path = public`); err != nil {
		t.Fatal(err)
	}
	want(t, c.query(t, `SELECT v FROM where_am_i`), "public")

	// The session is a signed cookie: a second gateway with the same key serves it.
	if res, err := c.CloseSession(c.ctx, &flight.CloseSessionRequest{}); err != nil || res.Status != flight.CloseSessionResultClosed {
		t.Fatalf("close: %v %v", res, err)
	}
	if o := get(c); o["schema"] != "public" {
		t.Fatalf("options after close %v", o)
	}

	// ADBC's current catalog and schema go through the same RPCs.
	cn := ts.openADBC(t, nil)
	if err := cn.(adbc.PostInitOptions).SetOption(adbc.OptionKeyCurrentDbSchema, "sales"); err != nil {
		t.Fatal(err)
	}
	if got, err := cn.(adbc.GetSetOptions).GetOption(adbc.OptionKeyCurrentDbSchema); err != nil || got != "sales" {
		t.Fatalf("ADBC current schema %q %v", got, err)
	}
	want(t, adbcQuery(t, cn, `SELECT v FROM where_am_i`, nil), "sales")
	if got, err := cn.(adbc.GetSetOptions).GetOption(adbc.OptionKeyCurrentCatalog); err != nil || got != "tern" {
		t.Fatalf("ADBC current catalog %q %v", got, err)
	}
}

// The session cookie names a session whose state is kept in the catalog: another connection
// (its own login, so its own token session) that sends the cookie joins that session; a gateway
// with another key ignores the cookie (a fresh session), as does one with another catalog,
// which does not have the session.
func TestConformanceSessionSharedKey(t *testing.T) {
	const secret = "shared-secret-for-both-gateways"
	a := startServer(t, func(c *Config) { c.Secret = secret })
	b := startServer(t, func(c *Config) { c.Secret = secret })
	other := startServer(t, func(c *Config) { c.Secret = "another-secret-entirely" })
	for _, s := range []*testServer{a, b, other} {
		if err := s.cat.CreateSchema(context.Background(), "default", "sales"); err != nil {
			t.Fatal(err)
		}
	}
	ca := a.client(t)
	opts, _ := flight.NewSessionOptionValues(map[string]any{"schema": "sales"})
	var hdr metadata.MD
	if _, err := ca.SetSessionOptions(ca.ctx, &flight.SetSessionOptionsRequest{SessionOptions: opts}, grpc.Header(&hdr)); err != nil {
		t.Fatal(err)
	}
	cookie := sessionCookie(t, hdr)
	for name, s := range map[string]*testServer{"same gateway": a, "other catalog": b, "other key": other} {
		cb := s.client(t)
		res, err := cb.GetSessionOptions(withCookie(cb.ctx, cookie), &flight.GetSessionOptionsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		wantSchema := "public"
		if s == a {
			wantSchema = "sales"
		}
		if got := res.SessionOptions["schema"].GetStringValue(); got != wantSchema {
			t.Fatalf("%s: schema %q, want %q", name, got, wantSchema)
		}
	}
}

func TestConformanceSubstraitPlans(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	c.exec(t, `CREATE TABLE nums (n INTEGER, s TEXT)`)
	c.exec(t, `INSERT INTO nums VALUES (1, 'one'), (2, 'two'), (3, 'three')`)

	i32 := &substraitpb.Type{Kind: &substraitpb.Type_I32_{I32: &substraitpb.Type_I32{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	str := &substraitpb.Type{Kind: &substraitpb.Type_String_{String_: &substraitpb.Type_String{Nullability: substraitpb.Type_NULLABILITY_NULLABLE}}}
	read := &substraitpb.Rel{RelType: &substraitpb.Rel_Read{Read: &substraitpb.ReadRel{
		BaseSchema: &substraitpb.NamedStruct{Names: []string{"n", "s"}, Struct: &substraitpb.Type_Struct{Types: []*substraitpb.Type{i32, str}}},
		ReadType:   &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{"nums"}}},
	}}}
	fetch := &substraitpb.Rel{RelType: &substraitpb.Rel_Fetch{Fetch: &substraitpb.FetchRel{
		Input: read, CountMode: &substraitpb.FetchRel_Count{Count: 2},
	}}}
	plan, err := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: fetch, Names: []string{"n", "s"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	sp := flightsql.SubstraitPlan{Plan: plan, Version: SubstraitVersion}

	info, err := c.ExecuteSubstrait(c.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if rows := c.rows(t, info); len(rows) != 2 {
		t.Fatalf("substrait rows %q", rows)
	}
	sr, err := c.GetExecuteSubstraitSchema(c.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := flight.DeserializeSchema(sr.Schema, c.alloc); err != nil || sc.NumFields() != 2 {
		t.Fatalf("substrait schema %v %v", sc, err)
	}
	if n, err := c.ExecuteSubstraitUpdate(c.ctx, sp); err != nil || n != 2 {
		t.Fatalf("substrait update %d %v", n, err)
	}
	ps, err := c.PrepareSubstrait(c.ctx, sp)
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := ps.IsUpdate(); !ok || up {
		t.Fatalf("prepared plan is_update %v %v", up, ok)
	}
	info, err = ps.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rows := c.rows(t, info); len(rows) != 2 {
		t.Fatalf("prepared substrait rows %q", rows)
	}
	ps.Close(c.ctx)

	// A plan that reads files itself is refused; so is an unknown table.
	read.GetRead().ReadType = &substraitpb.ReadRel_LocalFiles_{LocalFiles: &substraitpb.ReadRel_LocalFiles{Items: []*substraitpb.ReadRel_LocalFiles_FileOrFiles{{
		PathType: &substraitpb.ReadRel_LocalFiles_FileOrFiles_UriFile{UriFile: "file:///etc/passwd"}}}}}
	bad, _ := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: fetch}}}}})
	_, err = c.ExecuteSubstrait(c.ctx, flightsql.SubstraitPlan{Plan: bad})
	wantCode(t, err, codes.PermissionDenied)
	// Nor may it carry Tern's own connector scans: their splits name files nobody checked.
	split, _ := files.EncodeSplit(files.Split{Format: files.CSV, Paths: []string{"/etc/passwd"}})
	detail, _ := anypb.New(&planpb.ConnectorScan{Connector: files.ConnectorName, Splits: []*planpb.ScanSplit{{Data: split}}})
	read.GetRead().ReadType = &substraitpb.ReadRel_ExtensionTable_{ExtensionTable: &substraitpb.ReadRel_ExtensionTable{Detail: detail}}
	smuggled, _ := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: fetch}}}}})
	_, err = c.ExecuteSubstrait(c.ctx, flightsql.SubstraitPlan{Plan: smuggled})
	if code := status.Code(err); code != codes.PermissionDenied && code != codes.Unimplemented && code != codes.InvalidArgument {
		t.Fatalf("client plan with a connector scan: %v", err)
	}
	read.GetRead().ReadType = &substraitpb.ReadRel_NamedTable_{NamedTable: &substraitpb.ReadRel_NamedTable{Names: []string{"nope"}}}
	missing, _ := gproto.Marshal(&substraitpb.Plan{Relations: []*substraitpb.PlanRel{{RelType: &substraitpb.PlanRel_Root{Root: &substraitpb.RelRoot{Input: fetch}}}}})
	_, err = c.ExecuteSubstrait(c.ctx, flightsql.SubstraitPlan{Plan: missing})
	wantCode(t, err, codes.NotFound)
	_, err = c.ExecuteSubstrait(c.ctx, flightsql.SubstraitPlan{Plan: []byte("not a plan")})
	wantCode(t, err, codes.InvalidArgument)
}

func TestConformanceListActionsAndPoll(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	stream, err := c.Client.Client.ListActions(c.ctx, &flight.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for {
		a, err := stream.Recv()
		if err != nil {
			break
		}
		got[a.Type] = true
	}
	for _, a := range []string{flight.CancelFlightInfoActionType, flightsql.CreatePreparedStatementActionType,
		flightsql.ClosePreparedStatementActionType, flightsql.BeginTransactionActionType, flightsql.EndTransactionActionType,
		flightsql.CreatePreparedSubstraitPlanActionType, flightsql.CancelQueryActionType} {
		if !got[a] {
			t.Errorf("ListActions lacks %s", a)
		}
	}

	poll, err := c.ExecutePoll(c.ctx, `SELECT 1 + 1`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if poll.FlightDescriptor != nil || poll.GetProgress() != 1 || poll.Info == nil {
		t.Fatalf("poll: %v", poll)
	}
	want(t, c.rows(t, poll.Info), "2")
	ps, err := c.Prepare(c.ctx, `SELECT 2 + 2`)
	if err != nil {
		t.Fatal(err)
	}
	poll, err = ps.ExecutePoll(c.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.rows(t, poll.Info), "4")
	ps.Close(c.ctx)
}
