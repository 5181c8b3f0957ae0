package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/gateway/sqllogictest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// flightClient is an authenticated arrow-go Flight SQL client of a tern process.
type flightClient struct {
	*flightsql.Client
	ctx context.Context
}

func dialFlight(t *testing.T, addr string) *flightClient {
	t.Helper()
	cl, err := flightsql.NewClient(addr, nil, []flight.ClientMiddleware{flight.NewClientCookieMiddleware()},
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	ctx, err := cl.Client.AuthenticateBasicToken(context.Background(), "admin", adminPassword)
	if err != nil {
		t.Fatalf("authenticating: %v", err)
	}
	return &flightClient{Client: cl, ctx: ctx}
}

func (c *flightClient) rows(t *testing.T, info *flight.FlightInfo) []string {
	t.Helper()
	var out []string
	for _, ep := range info.Endpoint {
		rdr, err := c.DoGet(c.ctx, ep.Ticket)
		if err != nil {
			t.Fatal(err)
		}
		for rdr.Next() {
			rec := rdr.RecordBatch()
			for r := 0; r < int(rec.NumRows()); r++ {
				cells := make([]string, rec.NumCols())
				for i := range cells {
					cells[i] = sqllogictest.FormatArrowValue(rec.Column(i), r)
				}
				out = append(out, strings.Join(cells, "|"))
			}
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func int64Param(v int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Append(v)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "$1", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, 1)
}

// Prepared-statement handles (with bound parameters) and tickets are sealed: the same gateway
// after a restart serves them (prepared statements are registered with their session in the
// catalog); a second gateway process started with the same TERN_SECRET serves neither the
// prepared statements of sessions it does not have nor tickets of tables its catalog lacks.
func TestEndToEndHandlesSurviveRestartAndMoveBetweenGateways(t *testing.T) {
	t.Setenv("TERN_SECRET", "e2e-shared-secret-of-the-gateways")
	data := t.TempDir()
	srv := startServer(t, data)
	c := dialFlight(t, srv.addr)
	if _, err := c.ExecuteUpdate(c.ctx, `CREATE TABLE kv (k BIGINT, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecuteUpdate(c.ctx, `INSERT INTO kv VALUES (1, 'one'), (2, 'two'), (3, 'three')`); err != nil {
		t.Fatal(err)
	}
	ps, err := c.Prepare(c.ctx, `SELECT v FROM kv WHERE k = $1`)
	if err != nil {
		t.Fatal(err)
	}
	p := int64Param(2)
	ps.SetParameters(p)
	p.Release()
	if err := ps.ExecutePut(c.ctx); err != nil { // the handle now carries the parameters
		t.Fatal(err)
	}
	handle := ps.Handle()
	info, err := ps.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, c.rows(t, info), "two")

	// A second gateway process, same key, its own data directory, while the first runs: it
	// executes a prepared statement without tables, but a ticket is re-checked against the
	// serving gateway's own catalog (issue 10, attack 6): the table is not there.
	other := startServer(t, t.TempDir())
	c2 := dialFlight(t, other.addr)
	if rdr, err := c2.DoGet(c2.ctx, info.Endpoint[0].Ticket); err == nil || !strings.Contains(err.Error(), `relation "kv" does not exist`) {
		if rdr != nil {
			rdr.Release()
		}
		t.Fatalf("a ticket of a table the serving gateway does not have: %v", err)
	}
	calc, err := c.Prepare(c.ctx, `SELECT $1::bigint * 2`)
	if err != nil {
		t.Fatal(err)
	}
	p = int64Param(21)
	calc.SetParameters(p)
	p.Release()
	if err := calc.ExecutePut(c.ctx); err != nil {
		t.Fatal(err)
	}
	moved, err := c2.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: calc.Handle()})
	if err != nil {
		t.Fatal(err)
	}
	// A prepared statement belongs to its session, which lives in the first gateway's
	// catalog: the second gateway, with its own catalog, does not know it.
	if _, err := moved.Execute(c2.ctx); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("prepared statement of another catalog's session: %v", err)
	}

	// Restart the first gateway: the old handle and the old ticket still work.
	c.Close()
	srv.stop()
	srv = startServer(t, data)
	c = dialFlight(t, srv.addr)
	again, err := c.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: handle})
	if err != nil {
		t.Fatal(err)
	}
	info3, err := again.Execute(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	expectRows(t, c.rows(t, info3), "two")
	expectRows(t, c.rows(t, info), "two")

	// A gateway with another key refuses them.
	t.Setenv("TERN_SECRET", "a-different-secret")
	stranger := startServer(t, t.TempDir())
	c3 := dialFlight(t, stranger.addr)
	bad, _ := c3.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: handle})
	if _, err := bad.Execute(c3.ctx); err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
		t.Fatalf("foreign handle: %v", err)
	}
}

// The Done criterion of issue #4: an ADBC bulk ingest of 10 million rows followed by a
// prepared query with parameters.
func TestEndToEndADBCBulkIngestThenPreparedQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("heavy")
	}
	srv := startServer(t, t.TempDir())
	cn, _ := openADBC(t, srv.addr, "admin", adminPassword)
	const n = 10_000_000
	st, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.SetOption(adbc.OptionKeyIngestTargetTable, "events")
	st.SetOption(adbc.OptionKeyIngestMode, adbc.OptionValueIngestModeCreate)
	rdr := &genReader{n: n, batch: 128 << 10}
	defer rdr.Release()
	if err := st.BindStream(context.Background(), rdr); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := st.ExecuteUpdate(context.Background())
	if err != nil || got != n {
		t.Fatalf("ingest: %d %v", got, err)
	}
	t.Logf("ingested %d rows in %v", n, time.Since(start).Round(time.Millisecond))

	q, err := cn.NewStatement()
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.SetSqlQuery(`SELECT count(*), min(id), sum(bucket) FROM events WHERE id >= $1 AND bucket = $2`); err != nil {
		t.Fatal(err)
	}
	if err := q.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	pb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema([]arrow.Field{
		{Name: "$1", Type: arrow.PrimitiveTypes.Int64}, {Name: "$2", Type: arrow.PrimitiveTypes.Int32}}, nil))
	pb.Field(0).(*array.Int64Builder).Append(n - 1000)
	pb.Field(1).(*array.Int32Builder).Append(7)
	params := pb.NewRecordBatch()
	pb.Release()
	defer params.Release()
	if err := q.Bind(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	res, _, err := q.ExecuteQuery(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	var out []string
	for res.Next() {
		rec := res.RecordBatch()
		for r := 0; r < int(rec.NumRows()); r++ {
			out = append(out, sqllogictest.FormatArrowValue(rec.Column(0), r)+"|"+sqllogictest.FormatArrowValue(rec.Column(1), r)+"|"+sqllogictest.FormatArrowValue(rec.Column(2), r))
		}
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	// ids n-1000 .. n-1 with id % 100 == 7: 10 rows, the first 9999007.
	expectRows(t, out, "10|9999007|70")
}

// genReader generates rows (id BIGINT, bucket INTEGER = id % 100).
type genReader struct {
	n, off, batch int64
	cur           arrow.RecordBatch
}

var genSchema = arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "bucket", Type: arrow.PrimitiveTypes.Int32}}, nil)

func (r *genReader) Schema() *arrow.Schema          { return genSchema }
func (r *genReader) Retain()                        {}
func (r *genReader) Err() error                     { return nil }
func (r *genReader) RecordBatch() arrow.RecordBatch { return r.cur }
func (r *genReader) Record() arrow.RecordBatch      { return r.cur }
func (r *genReader) Release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}
func (r *genReader) Next() bool {
	r.Release()
	if r.off >= r.n {
		return false
	}
	k := min(r.batch, r.n-r.off)
	ib, bb := array.NewInt64Builder(memory.DefaultAllocator), array.NewInt32Builder(memory.DefaultAllocator)
	ib.Reserve(int(k))
	bb.Reserve(int(k))
	for i := r.off; i < r.off+k; i++ {
		ib.UnsafeAppend(i)
		bb.UnsafeAppend(int32(i % 100))
	}
	a, b := ib.NewArray(), bb.NewArray()
	ib.Release()
	bb.Release()
	r.cur = array.NewRecordBatch(genSchema, []arrow.Array{a, b}, k)
	a.Release()
	b.Release()
	r.off += k
	return true
}

// tern serve --tls-cert/--tls-key/--tls-client-ca: ADBC connects over mutual TLS.
func TestEndToEndMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := makeCA(t)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Raw)
	srvCert, srvKey := issue(t, ca, caKey, x509.ExtKeyUsageServerAuth)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", srvCert)
	writePEM(t, filepath.Join(dir, "server.key"), "EC PRIVATE KEY", srvKey)
	cliCert, cliKey := issue(t, ca, caKey, x509.ExtKeyUsageClientAuth)

	srv := startServer(t, t.TempDir(), "--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key"),
		"--tls-client-ca", filepath.Join(dir, "ca.pem"))
	caPEM, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	open := func(withCert bool) error {
		opts := map[string]string{
			adbc.OptionKeyURI:                    "grpc+tls://" + srv.addr,
			adbc.OptionKeyUsername:               "admin",
			adbc.OptionKeyPassword:               adminPassword,
			adbcflight.OptionSSLRootCerts:        string(caPEM),
			adbcflight.OptionSSLOverrideHostname: "localhost",
		}
		if withCert {
			opts[adbcflight.OptionMTLSCertChain] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cliCert}))
			opts[adbcflight.OptionMTLSPrivateKey] = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: cliKey}))
		}
		db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(opts)
		if err != nil {
			return err
		}
		defer db.Close()
		cn, err := db.Open(context.Background())
		if err != nil {
			return err
		}
		defer cn.Close()
		_, err = query(t, cn, "SELECT 'secure'")
		return err
	}
	if err := open(true); err != nil {
		t.Fatalf("mutual TLS: %v", err)
	}
	if err := open(false); err == nil {
		t.Fatal("a client without a certificate was served")
	}
}

func makeCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "e2e CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage x509.ExtKeyUsage) (certDER, keyDER []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := x509.MarshalECPrivateKey(key)
	return der, k
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
