package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tern-db/tern/cluster"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/internal/datafs"
)

const nodeUsage = `Usage: tern node --listen ADDR --data DIR [--advertise ADDR] [--consul ADDR] [flags]

Runs an executor node: a Flight service that runs query fragments sealed with the cluster
key and streams their results to gateways and clients. It never opens a gateway's catalog;
--data is the node's own directory (spills, caches). With --consul it registers as service
"tern-node" with a TTL health check it keeps passing, and deregisters on SIGINT/SIGTERM.

Environment:
  TERN_SECRET  the cluster key (required): the gateways' TERN_SECRET. Fragments and bearer
               tokens sealed with another key are refused.

Flags:
`

func node(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), nodeUsage)
		fs.PrintDefaults()
	}
	listen := fs.String("listen", "127.0.0.1:0", "address to serve Flight on (host:port; port 0 picks a free one)")
	data := fs.String("data", "", "the node's own directory (created 0700 if missing)")
	advertise := fs.String("advertise", "", "host:port gateways and clients reach this node at (default: the listen address)")
	consulAddr := fs.String("consul", "", "Consul agent HTTP address (host:port) to register in")
	healthTTL := fs.Duration("health-ttl", 10*time.Second, "TTL of the Consul health check (passed every third of it)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	tlsCert := fs.String("tls-cert", "", "PEM certificate: serve TLS only (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	tlsClientCA := fs.String("tls-client-ca", "", "PEM CA certificates: require client certificates signed by them (mutual TLS)")
	window := byteSize(flightnodes.DefaultExchangeWindow)
	fs.Var(&window, "exchange-window", "bytes in flight per exchange stream from another node (its backpressure budget), e.g. 4MiB")
	if code, done := parseFlags(fs, args, stdout); done {
		return code
	}
	if window < 64<<10 || window > 1<<30 {
		fmt.Fprintln(stderr, "tern: --exchange-window must be between 64KiB and 1GiB")
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "tern: node needs --data DIR")
		return 2
	}
	secret := os.Getenv("TERN_SECRET")
	if secret == "" {
		fmt.Fprintln(stderr, "tern: node needs the cluster key in TERN_SECRET (the gateways' key)")
		return 2
	}
	log, ok := newLogger(stderr, *logLevel)
	if !ok {
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := filepath.Abs(*data)
	if err == nil {
		err = datafs.PrepareDataDir(dir, log)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tern: node data directory: %v\n", err)
		return 1
	}
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "tern: cannot listen on %s: %v\n", *listen, err)
		return 1
	}
	defer lis.Close()
	adv := *advertise
	if adv == "" {
		adv = lis.Addr().String()
		if host, _, _ := net.SplitHostPort(adv); net.ParseIP(host).IsUnspecified() {
			fmt.Fprintf(stderr, "tern: listening on %s, an unspecified address: say where the node is reached with --advertise\n", adv)
			return 2
		}
	}

	alloc := memory.NewGoAllocator()
	nd := flightnodes.NewNode(alloc)
	peers := &flightnodes.PeerInputs{Key: []byte(secret), Window: int32(window), Alloc: alloc, Log: log,
		Dial: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}}
	defer peers.Close()
	nd.Peers = peers
	svc := &flightnodes.Service{Node: nd, Key: []byte(secret), Log: log, Alloc: alloc}
	opts := svc.ServerOptions()
	if *tlsCert != "" || *tlsKey != "" || *tlsClientCA != "" {
		creds, err := cluster.ServerTLS(*tlsCert, *tlsKey, *tlsClientCA)
		if err != nil {
			fmt.Fprintf(stderr, "tern: %v\n", err)
			return 1
		}
		opts = append(opts, grpc.Creds(creds))
		// Peers are reached with TLS too: the CA that signs the nodes' certificates
		// (--tls-client-ca) and this node's certificate as its client certificate.
		pcreds, err := cluster.ClientTLS(*tlsClientCA, *tlsCert, *tlsKey)
		if err != nil {
			fmt.Fprintf(stderr, "tern: %v\n", err)
			return 1
		}
		peers.Dial = []grpc.DialOption{grpc.WithTransportCredentials(pcreds)}
	}
	gs := grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(gs, svc)
	errc := make(chan error, 1)
	go func() { errc <- gs.Serve(lis) }()

	var deregister func(context.Context) error
	if *consulAddr != "" {
		deregister, err = cluster.Register(ctx, cluster.Registration{Consul: *consulAddr, Advertise: adv, TTL: *healthTTL}, log)
		if err != nil {
			gs.Stop()
			fmt.Fprintf(stderr, "tern: %v\n", err)
			return 1
		}
	}
	log.Info("serving fragments", "addr", lis.Addr().String(), "advertise", adv, "data", dir, "consul", *consulAddr, "tls", *tlsCert != "", "mtls", *tlsClientCA != "")
	fmt.Fprintf(stdout, "tern: node listening on %s\n", adv)

	code := 0
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			fmt.Fprintf(stderr, "tern: %v\n", err)
			code = 1
		}
	}
	// Leave Consul first, so gateways stop sending work, then finish what runs.
	if deregister != nil {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := deregister(dctx); err != nil {
			log.Warn("leaving consul", "err", err)
		}
		cancel()
	}
	done := make(chan struct{})
	go func() { gs.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		gs.Stop()
	}
	log.Info("stopped")
	return code
}
