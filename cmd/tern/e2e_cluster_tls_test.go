package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestClusterMutualTLS: a node that requires mutual TLS, reached through a static --nodes
// list. A gateway with the nodes' CA and a client certificate runs queries there (relayed);
// one without a client certificate cannot; and an ADBC client on mutual TLS fetches the
// results straight from the node's grpc+tls location with its own certificate.
func TestClusterMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := makeCA(t)
	caFile := filepath.Join(dir, "ca.pem")
	writePEM(t, caFile, "CERTIFICATE", ca.Raw)
	srvCert, srvKey := issue(t, ca, caKey, x509.ExtKeyUsageServerAuth)
	writePEM(t, filepath.Join(dir, "server.pem"), "CERTIFICATE", srvCert)
	writePEM(t, filepath.Join(dir, "server.key"), "EC PRIVATE KEY", srvKey)
	cliCert, cliKey := issue(t, ca, caKey, x509.ExtKeyUsageClientAuth)
	writePEM(t, filepath.Join(dir, "client.pem"), "CERTIFICATE", cliCert)
	writePEM(t, filepath.Join(dir, "client.key"), "EC PRIVATE KEY", cliKey)
	tlsFlags := []string{"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key"), "--tls-client-ca", caFile}

	t.Setenv("TERN_SECRET", clusterSecret)
	nd := startNode(t, "127.0.0.1:0", "", tlsFlags...)
	want := groupedSums(20000, 7)
	const create = "CREATE TABLE t AS SELECT g AS v, g % 7 AS k FROM generate_series(1, 20000) g"

	good := startServer(t, t.TempDir(), "--nodes", nd.addr, "--proxy-results",
		"--node-tls-ca", caFile, "--node-tls-cert", filepath.Join(dir, "client.pem"), "--node-tls-key", filepath.Join(dir, "client.key"))
	cn, _ := openADBC(t, good.addr, "admin", adminPassword)
	execUpdate(t, cn, create)
	expectRows(t, mustQuery(t, cn, groupedQuery), want...)
	// Batches wider than gRPC's default 4 MiB message limit (8192 rows of 1.5 kB) pass from node to gateway.
	wide := mustQuery(t, cn, "SELECT length(repeat('x', 1500) || g) FROM generate_series(1, 10000) g")
	if len(wide) != 10000 || wide[0] != "1501" {
		t.Fatalf("wide rows: %d, first %q", len(wide), wide[:min(len(wide), 1)])
	}
	wideRows := mustQuery(t, cn, "SELECT repeat('x', 1500) || g FROM generate_series(1, 10000) g")
	if len(wideRows) != 10000 || len(wideRows[9999]) != 1505 {
		t.Fatalf("wide rows relayed: %d", len(wideRows))
	}

	noCert := startServer(t, t.TempDir(), "--nodes", nd.addr, "--proxy-results", "--node-tls-ca", caFile)
	cn2, _ := openADBC(t, noCert.addr, "admin", adminPassword)
	execUpdate(t, cn2, create)
	if _, err := query(t, cn2, groupedQuery); err == nil || !strings.Contains(err.Error(), "no tern node") {
		t.Fatalf("a gateway without a client certificate ran on the mTLS node: %v", err)
	}

	direct := startServer(t, t.TempDir(), append([]string{"--nodes", nd.addr,
		"--node-tls-ca", caFile, "--node-tls-cert", filepath.Join(dir, "client.pem"), "--node-tls-key", filepath.Join(dir, "client.key")}, tlsFlags...)...)
	caPEM, _ := os.ReadFile(caFile)
	db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(map[string]string{
		adbc.OptionKeyURI:                    "grpc+tls://" + direct.addr,
		adbc.OptionKeyUsername:               "admin",
		adbc.OptionKeyPassword:               adminPassword,
		adbcflight.OptionSSLRootCerts:        string(caPEM),
		adbcflight.OptionSSLOverrideHostname: "localhost",
		adbcflight.OptionMTLSCertChain:       string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cliCert})),
		adbcflight.OptionMTLSPrivateKey:      string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: cliKey})),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cn3, err := db.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer cn3.Close()
	execUpdate(t, cn3, create)
	served := strings.Count(nd.out.String(), "running fragment")
	expectRows(t, mustQuery(t, cn3, groupedQuery), want...)
	// the node's log reaches nd.out through a pipe: its line may arrive after the rows
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(nd.out.String(), "running fragment") <= served && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := strings.Count(nd.out.String(), "running fragment"); got != served+1 {
		t.Fatalf("the node ran %d fragments for the direct query, want 1", got-served)
	}
}
