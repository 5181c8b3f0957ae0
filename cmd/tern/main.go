// Command tern is Tern's single binary: `tern serve` runs the gateway with an in-process
// executor node, the embedded catalog and native storage in a local directory.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
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
             [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
             [--token-ttl 12h] [--ticket-ttl 10m] [--log-level info]
             [--consul ADDR | --nodes HOST:PORT,...] [--proxy-results]
  tern node --listen ADDR --data DIR [--advertise ADDR] [--consul ADDR]
  tern admin reset-password [--data ./tern-data] [--user admin] [--password-stdin]
  tern version
  tern help

Run 'tern serve --help', 'tern node --help' or 'tern admin reset-password --help' for their flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "node":
		return node(args[1:], stdout, stderr)
	case "admin":
		return admin(args[1:], os.Stdin, stdout, stderr)
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

const serveUsage = `Usage: tern serve [flags]

Runs the Flight SQL gateway with its in-process executor, catalog and native storage.

Environment:
  TERN_ADMIN_PASSWORD  the admin password when the data directory is created (else one is
                       generated and printed once). On later starts it is not applied; a
                       warning says so when it does not match (see tern admin reset-password).
  TERN_SECRET          key for tokens, tickets and handles (default: <data>/secret.key);
                       gateways sharing it serve each other's handles.

Flags:
`

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	listen := fs.String("listen", "127.0.0.1:8815", "address to serve Flight SQL on (host:port; port 0 picks a free one)")
	data := fs.String("data", "./tern-data", "data directory (catalog, tables, signing key); created 0700 if missing, locked while serving")
	tokenTTL := fs.Duration("token-ttl", 12*time.Hour, "lifetime of bearer tokens")
	ticketTTL := fs.Duration("ticket-ttl", gateway.DefaultTicketTTL, "lifetime of query tickets (how long after planning a result can be fetched)")
	sessionTTL := fs.Duration("session-ttl", 0, "how long an unused session lives; its temporary tables and prepared statements end with it (0: --token-ttl)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tlsCert := fs.String("tls-cert", "", "PEM certificate: serve TLS only (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	tlsClientCA := fs.String("tls-client-ca", "", "PEM CA certificates: require client certificates signed by them (mutual TLS)")
	maxMsg := byteSize(gateway.DefaultMaxMessageSize)
	fs.Var(&maxMsg, "max-message-size", "largest gRPC message an authenticated client may send, e.g. 64MiB (bulk loads stream many; unauthenticated calls get no message read)")
	var allow multiFlag
	fs.Var(&allow, "allow-dir", "directory SQL may read files from (repeatable)")
	cl := clusterFlags(fs) // cluster.go
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if *ticketTTL <= 0 || *tokenTTL <= 0 {
		fmt.Fprintf(stderr, "tern: --ticket-ttl and --token-ttl must be positive durations\n")
		return 2
	}
	log, ok := newLogger(stderr, *logLevel)
	if !ok {
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	nodes, err := cl.config(ctx, log) // cluster.go: flag errors before anything is bound or created
	if err != nil {
		fmt.Fprintf(stderr, "tern: %v\n", err)
		return 2
	}

	// Bind first: a port in use must fail before the data directory or the admin password is
	// created. Then lock the data directory, so a second server says so plainly instead of
	// timing out on the catalog.
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "tern: cannot listen on %s: %v\n", *listen, err)
		return 1
	}
	defer lis.Close()
	unlock, err := lockDataDir(*data, true)
	if err != nil {
		fmt.Fprintf(stderr, "tern: %v\n", err)
		return 1
	}
	defer unlock()

	srv, generated, err := gateway.New(ctx, gateway.Config{
		Nodes:          nodes.members,
		NodeDial:       nodes.dial,
		NodeTLS:        nodes.tls,
		ProxyResults:   *cl.proxy,
		Listen:         *listen,
		Listener:       lis,
		TicketTTL:      *ticketTTL,
		DataDir:        *data,
		AllowDirs:      allow,
		AdminPassword:  os.Getenv("TERN_ADMIN_PASSWORD"),
		TokenTTL:       *tokenTTL,
		Logger:         log,
		TLSCert:        *tlsCert,
		TLSKey:         *tlsKey,
		TLSClientCA:    *tlsClientCA,
		SessionTTL:     *sessionTTL,
		MaxMessageSize: int(maxMsg),
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

// parseFlags parses args; done reports that the command ends here with code: 0 after
// printing the help (asked for with -h/--help) to stdout, 2 on a bad flag (the error and the
// usage go to the flag set's output, stderr).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, done bool) {
	out := fs.Output()
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		stdout.Write(buf.Bytes())
		return 0, true
	case err != nil:
		out.Write(buf.Bytes())
		return 2, true
	case fs.NArg() > 0:
		fmt.Fprintf(out, "tern: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2, true
	}
	return 0, false
}

// newLogger is the text logger of `tern serve` and `tern node` at --log-level level; a bad
// level is reported on stderr.
func newLogger(stderr io.Writer, level string) (*slog.Logger, bool) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		fmt.Fprintf(stderr, "tern: bad --log-level %q\n", level)
		return nil, false
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl})), true
}
