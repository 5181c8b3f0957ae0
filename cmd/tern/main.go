// Command tern is Tern's single binary: `tern serve` runs the gateway with an in-process
// executor node, the embedded catalog and native storage in a local directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tern-db/tern/gateway"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Tern: a data warehouse and federated query gateway speaking Arrow Flight SQL.

Usage:
  tern serve [--listen 127.0.0.1:8815] [--data ./tern-data] [--allow-dir DIR ...]
             [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]] [--token-ttl 12h]
  tern version

Run 'tern serve -h' for the flags of serve.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "tern", gateway.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "tern: unknown command %q\n\n%s", args[0], usage)
	return 2
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8815", "address to serve Flight SQL on")
	data := fs.String("data", "./tern-data", "data directory (catalog, tables, signing key)")
	tokenTTL := fs.Duration("token-ttl", 12*time.Hour, "lifetime of bearer tokens")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tlsCert := fs.String("tls-cert", "", "PEM certificate: serve TLS only (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	tlsClientCA := fs.String("tls-client-ca", "", "PEM CA certificates: require client certificates signed by them (mutual TLS)")
	maxMsg := byteSize(gateway.DefaultMaxMsgSize)
	fs.Var(&maxMsg, "max-message-size", "largest gRPC message an authenticated client may send, e.g. 64MiB (bulk loads stream many; unauthenticated calls get no message read)")
	var allow multiFlag
	fs.Var(&allow, "allow-dir", "directory SQL may read files from (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "tern: bad --log-level %q\n", *logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, generated, err := gateway.New(ctx, gateway.Config{
		Listen:        *listen,
		DataDir:       *data,
		AllowDirs:     allow,
		AdminPassword: os.Getenv("TERN_ADMIN_PASSWORD"),
		TokenTTL:      *tokenTTL,
		MaxMsgSize:    int(maxMsg),
		Logger:        log,
		TLSCert:       *tlsCert,
		TLSKey:        *tlsKey,
		TLSClientCA:   *tlsClientCA,
	})
	if err != nil {
		fmt.Fprintf(stderr, "tern: %v\n", err)
		return 1
	}
	if generated != "" {
		// Shown once; only a hash is stored.
		fmt.Fprintf(stderr, "tern: created user admin with password: %s\n", generated)
	}
	if err := srv.Listen(); err != nil {
		fmt.Fprintf(stderr, "tern: %v\n", err)
		return 1
	}
	log.Info("serving Flight SQL", "addr", srv.Addr(), "data", *data, "tls", *tlsCert != "", "mtls", *tlsClientCA != "")
	fmt.Fprintf(stdout, "tern: listening on %s\n", srv.Addr())
	if err := srv.Serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "tern: %v\n", err)
		return 1
	}
	log.Info("stopped")
	return 0
}
