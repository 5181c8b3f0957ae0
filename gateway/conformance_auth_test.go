package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/tern-db/tern/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

func TestConformanceWrongCredentials(t *testing.T) {
	ts := startServer(t, nil)
	cl, err := flightsql.NewClient(ts.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = cl.Client.AuthenticateBasicToken(context.Background(), "admin", "wrong")
	wantCode(t, err, codes.Unauthenticated)
	_, err = cl.Client.AuthenticateBasicToken(context.Background(), "nobody", "wrong")
	wantCode(t, err, codes.Unauthenticated)
	if !strings.Contains(err.Error(), "invalid user name or password") {
		t.Fatalf("message: %v", err)
	}
	// No credentials, garbage, and a forged token.
	_, err = cl.Execute(context.Background(), "SELECT 1")
	wantCode(t, err, codes.Unauthenticated)
	for _, h := range []string{"Bearer garbage", "Bearer " + base64.RawURLEncoding.EncodeToString(proto.Sign([]byte("not the key"), proto.KindToken, time.Time{}, []byte(`{"t":"default","u":"admin"}`))), "Digest x"} {
		_, err = cl.Execute(metadata.AppendToOutgoingContext(context.Background(), "authorization", h), "SELECT 1")
		wantCode(t, err, codes.Unauthenticated)
	}
}

// Bearer tokens expire; a new handshake (with the old token or with credentials) renews them.
func TestConformanceTokenExpiry(t *testing.T) {
	// Expiry has a one-second resolution, and a loaded machine delays every step: the first
	// token expires at most ttl after t0, the renewed one at least ttl+4s after t0, and the
	// checks run in between with seconds to spare.
	const ttl = 8 * time.Second
	ts := startServer(t, func(c *Config) { c.TokenTTL = ttl })
	c := ts.client(t)
	t0 := time.Now() // after the first token was issued
	want(t, c.query(t, `SELECT 1`), "1")
	// Renew with the (still valid) bearer token: the handshake answers a fresh token.
	md, _ := metadata.FromOutgoingContext(c.ctx)
	oldTok := md.Get("authorization")[0]
	time.Sleep(time.Until(t0.Add(5 * time.Second)))
	stream, err := c.Client.Client.Handshake(c.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.CloseSend(); err != nil { // the credentials are in the headers
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("renewing: %v", err)
	}
	renewed := metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+string(resp.Payload)))

	// Past the first token's expiry: it is refused, the renewed one still works.
	time.Sleep(time.Until(t0.Add(ttl + 1200*time.Millisecond)))
	_, err = c.Execute(metadata.NewOutgoingContext(context.Background(), metadata.Pairs("authorization", oldTok)), "SELECT 1")
	wantCode(t, err, codes.Unauthenticated)
	if _, err := c.Execute(renewed, "SELECT 1"); err != nil {
		t.Fatalf("renewed token: %v", err)
	}
	// A handshake with credentials always gives a working one.
	ctx, err := c.Client.Client.AuthenticateBasicToken(context.Background(), "admin", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Execute(ctx, "SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.readInfo(ctx, info)
	if err != nil {
		t.Fatal(err)
	}
	want(t, out, "2")
}

// Tickets and prepared-statement handles are signed: forged, foreign-key or expired ones are
// refused with InvalidArgument and say nothing more.
func TestConformanceForgedAndExpiredHandles(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.client(t)
	info, err := c.Execute(c.ctx, `SELECT 42`)
	if err != nil {
		t.Fatal(err)
	}
	tkt := info.Endpoint[0].Ticket
	st, err := flightsql.GetStatementQueryTicket(tkt)
	if err != nil {
		t.Fatal(err)
	}
	h := st.GetStatementHandle()
	forged := append([]byte(nil), h...)
	forged[len(forged)/2] ^= 1
	ticket := func(handle []byte) *flight.Ticket {
		b, err := flightsql.CreateStatementQueryTicket(handle)
		if err != nil {
			t.Fatal(err)
		}
		return &flight.Ticket{Ticket: b}
	}
	var tp ticketPayload
	if err := proto.VerifyJSON(ts.key, proto.KindTicket, h, time.Now(), &tp); err != nil {
		t.Fatal(err)
	}
	expired, _ := proto.SignJSON(ts.key, proto.KindTicket, time.Now().Add(-time.Minute), tp)
	otherKey, _ := proto.SignJSON([]byte("another gateway's key"), proto.KindTicket, time.Time{}, tp)
	other := tp
	other.Tenant = "someone-else"
	otherTenant, _ := proto.SignJSON(ts.key, proto.KindTicket, time.Time{}, other)
	for name, handle := range map[string][]byte{"forged": forged, "expired": expired, "other key": otherKey, "other tenant": otherTenant, "garbage": []byte("x")} {
		_, err := c.readInfo(c.ctx, &flight.FlightInfo{Endpoint: []*flight.FlightEndpoint{{Ticket: ticket(handle)}}})
		wantCode(t, err, codes.InvalidArgument)
		if strings.Contains(err.Error(), "{") || strings.Contains(err.Error(), ts.cfg.DataDir) {
			t.Fatalf("%s: message leaks: %v", name, err)
		}
	}
	// The genuine ticket still works, as often as asked.
	want(t, c.rows(t, info), "42")
	want(t, c.rows(t, info), "42")

	// Prepared statements: a forged handle is refused.
	ps, err := c.Prepare(c.ctx, `SELECT $1::integer + 1`)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), ps.Handle()...)
	bad[len(bad)-1] ^= 0xff
	fake, err := c.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: bad})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fake.Execute(c.ctx)
	wantCode(t, err, codes.InvalidArgument)
	ps.Close(c.ctx)
}

// A ticket is self-contained: another gateway with the same key serves it. A prepared
// statement's handle belongs to its session, which lives in the catalog: another gateway with
// the same key but its own catalog refuses it (NotFound), while another connection to the same
// gateway executes it with its bound parameters (the handle DoPut returned carries them).
func TestConformanceHandlesServedByAnotherGateway(t *testing.T) {
	const secret = "handles-are-portable-between-gateways"
	a := startServer(t, func(c *Config) { c.Secret = secret })
	b := startServer(t, func(c *Config) { c.Secret = secret })
	ca, cb := a.client(t), b.client(t)
	ps, err := ca.Prepare(ca.ctx, `SELECT $1::bigint * 2 + 0 * $2::int`) // the reader binds two values (x, y)
	if err != nil {
		t.Fatal(err)
	}
	params := newInt64Reader(ca.alloc, 1, 1)
	params.Next()
	p := params.RecordBatch().NewSlice(0, 1)
	ps.SetParameters(p)
	p.Release()
	params.Release()
	defer ps.Close(ca.ctx)
	// Bind on gateway A: DoPut returns the handle with the parameters in it.
	if err := ps.ExecutePut(ca.ctx); err != nil {
		t.Fatal(err)
	}
	onB, err := cb.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: ps.Handle()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = onB.Execute(cb.ctx)
	wantCode(t, err, codes.NotFound)
	ca2 := a.client(t)
	onA, err := ca2.LoadPreparedStatementFromResult(&flightsql.CreatePreparedStatementResult{PreparedStatementHandle: ps.Handle()})
	if err != nil {
		t.Fatal(err)
	}
	info, err := onA.Execute(ca2.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want(t, ca2.rows(t, info), "0")
	// And the ticket of A's FlightInfo is served by B.
	info, err = ca.Execute(ca.ctx, `SELECT 7`)
	if err != nil {
		t.Fatal(err)
	}
	want(t, cb.rows(t, info), "7")
}

// ---- TLS

type testPKI struct {
	dir                string
	caPEM              []byte
	serverCert, srvKey string
	clientCert         tls.Certificate
	ca                 *x509.CertPool
}

// newTestPKI makes a throwaway CA, a server certificate for 127.0.0.1 and a client certificate.
func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tern test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	p := &testPKI{dir: dir, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), ca: x509.NewCertPool()}
	p.ca.AddCert(caCert)
	sc, sk := issue(2, "tern server", x509.ExtKeyUsageServerAuth)
	cc, ck := issue(3, "tern client", x509.ExtKeyUsageClientAuth)
	p.serverCert, p.srvKey = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	for path, b := range map[string][]byte{p.serverCert: sc, p.srvKey: sk, filepath.Join(dir, "ca.pem"): p.caPEM} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p.clientCert, err = tls.X509KeyPair(cc, ck)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformanceTLS(t *testing.T) {
	pki := newTestPKI(t)
	ts := startServer(t, func(c *Config) { c.TLSCert, c.TLSKey = pki.serverCert, pki.srvKey })
	creds := credentials.NewTLS(&tls.Config{RootCAs: pki.ca, ServerName: "127.0.0.1"})
	c := dialClient(t, ts.addr, "admin", testPassword, grpc.WithTransportCredentials(creds))
	want(t, c.query(t, `SELECT 'over tls'`), "over tls")

	// Plaintext clients cannot talk to a TLS gateway.
	cl, err := flightsql.NewClient(ts.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := cl.Client.AuthenticateBasicToken(ctx, "admin", testPassword); err == nil {
		t.Fatal("plaintext client reached a TLS gateway")
	}
}

func TestConformanceMutualTLS(t *testing.T) {
	pki := newTestPKI(t)
	ts := startServer(t, func(c *Config) {
		c.TLSCert, c.TLSKey, c.TLSClientCA = pki.serverCert, pki.srvKey, filepath.Join(pki.dir, "ca.pem")
	})
	withCert := credentials.NewTLS(&tls.Config{RootCAs: pki.ca, ServerName: "127.0.0.1", Certificates: []tls.Certificate{pki.clientCert}})
	c := dialClient(t, ts.addr, "admin", testPassword, grpc.WithTransportCredentials(withCert))
	want(t, c.query(t, `SELECT 'mutual'`), "mutual")

	// Without a client certificate the handshake fails.
	noCert := credentials.NewTLS(&tls.Config{RootCAs: pki.ca, ServerName: "127.0.0.1"})
	cl, err := flightsql.NewClient(ts.addr, nil, nil, grpc.WithTransportCredentials(noCert))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := cl.Client.AuthenticateBasicToken(ctx, "admin", testPassword); err == nil {
		t.Fatal("client without a certificate was accepted")
	}
}
