package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/tern-db/tern/catalog"
	"github.com/tern-db/tern/cluster"
	"github.com/tern-db/tern/coordinator"
	"github.com/tern-db/tern/flightnodes"
	"github.com/tern-db/tern/internal/datafs"
	"github.com/tern-db/tern/planner"
	"google.golang.org/grpc"
)

// Config is what `tern serve` passes in.
type Config struct {
	Listen        string   // host:port
	DataDir       string   // catalog, data files and the signing key live here
	AllowDirs     []string // directories SQL may read files from
	AdminPassword string   // from TERN_ADMIN_PASSWORD at first start; empty: generate one
	TokenTTL      time.Duration
	Logger        *slog.Logger
	Alloc         memory.Allocator // nil: Go allocator

	// TLS: with TLSCert and TLSKey (PEM files) the gateway serves TLS only; with TLSClientCA as
	// well, clients must present a certificate signed by that CA (mutual TLS) in addition to
	// their credentials.
	TLSCert     string
	TLSKey      string
	TLSClientCA string

	// MaxMessageSize is the largest gRPC message an authenticated caller may send (0:
	// DefaultMaxMessageSize). Unauthenticated callers get no message read at all (guard.go).
	MaxMessageSize int

	// Secret is the key that signs tokens, tickets, handles and session cookies. Empty: the
	// TERN_SECRET environment variable, else <data>/secret.key (created at first start).
	// Gateways that share it serve each other's handles.
	Secret string

	// SessionTTL: a session unused this long ends (its temporary tables and prepared
	// statements go); 0: TokenTTL (session.go).
	SessionTTL time.Duration
	// TicketTTL is the lifetime of query tickets; 0: DefaultTicketTTL (tickets.go).
	TicketTTL time.Duration
	// Listener, when set, is used instead of binding Listen (tern serve binds first, so a
	// port in use fails before anything is created in the data directory).
	Listener net.Listener

	// Nodes are the executor nodes queries run on (cluster.go); nil: the in-process node.
	// NodeDial holds the dial options for them (TLS credentials), NodeTLS says they serve
	// TLS. ProxyResults: the gateway relays results instead of pointing clients at nodes.
	Nodes        cluster.Membership
	NodeDial     []grpc.DialOption
	NodeTLS      bool
	ProxyResults bool
}

// Server is the Flight SQL gateway with its embedded catalog, storage and in-process node.
type Server struct {
	flightsql.BaseServer

	cfg     Config
	log     *slog.Logger
	cat     catalog.Catalog
	planner planner.Planner
	exec    flightnodes.Executor
	remote  *cluster.Remote // queries' executor when the gateway has nodes (cluster.go)
	auth    *authenticator
	key     []byte
	alloc   memory.Allocator
	coord   *coordinator.Coordinator // executes statements

	grpc *grpc.Server
	lis  net.Listener
}

// New opens (or initialises) the data directory and wires the gateway, but does not listen.
// generatedPassword is non-empty when the admin user was created with a generated password,
// which the caller must show once.
func New(ctx context.Context, cfg Config) (s *Server, generatedPassword string, err error) {
	if cfg.DataDir == "" {
		cfg.DataDir = "tern-data"
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.Alloc == nil {
		cfg.Alloc = memory.NewGoAllocator()
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = cfg.TokenTTL
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, "", err
	}
	if err := datafs.PrepareDataDir(dir, cfg.Logger); err != nil { // owner-only (0700)
		return nil, "", fmt.Errorf("creating data directory: %w", err)
	}
	cfg.DataDir = dir
	key, err := loadOrCreateKey(filepath.Join(dir, "secret.key"), cfg.Secret)
	if err != nil {
		return nil, "", err
	}
	cat, err := catalog.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		return nil, "", fmt.Errorf("opening catalog: %w", err)
	}
	if err := catalog.SetSecretKey(cat, key); err != nil { // federation's secrets at rest
		cat.Close()
		return nil, "", err
	}
	generatedPassword, err = ensureAdmin(ctx, cat, cfg.AdminPassword, cfg.Logger)
	if err != nil {
		cat.Close()
		return nil, "", fmt.Errorf("creating admin user: %w", err)
	}
	s = &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		cat:   cat,
		exec:  newExecutor(cfg), // cancel.go
		auth:  &authenticator{log: cfg.Logger, cat: cat, key: key, ttl: cfg.TokenTTL, now: time.Now, sessionTTL: cfg.SessionTTL},
		key:   key,
		alloc: cfg.Alloc,
	}
	s.remote = newRemote(cfg, key) // cluster.go
	s.coord = coordinator.New(coordinator.Config{
		Catalog: cat, DataDir: dir, Executor: s.exec, AllowDirs: cfg.AllowDirs,
		Alloc: cfg.Alloc, Logger: cfg.Logger, Sessions: sessionHooks{s},
	})
	s.planner = s.coord.Planner(nil) // queries are planned as the coordinator plans updates
	s.BaseServer.Alloc = cfg.Alloc
	s.coord.SweepTransactions() // transactions left open by an earlier process
	if err := s.registerSqlInfo(); err != nil {
		cat.Close()
		return nil, "", err
	}
	return s, generatedPassword, nil
}

// loadOrCreateKey returns the secret that seals tokens, tickets and handles. Gateways that
// share a key can serve each other's handles.
func loadOrCreateKey(path, secret string) ([]byte, error) {
	if secret != "" {
		return []byte(secret), nil
	}
	if k := os.Getenv("TERN_SECRET"); k != "" {
		return []byte(k), nil
	}
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := datafs.WriteFileAtomic(path, b); err != nil { // 0600
		return nil, fmt.Errorf("writing signing key: %w", datafs.IOError("the signing key", err))
	}
	return b, nil
}

// flightService wraps the Flight SQL router to answer Handshake with Tern's authentication.
type flightService struct {
	flight.FlightServer
	auth *authenticator
}

func (f *flightService) Handshake(stream flight.FlightService_HandshakeServer) error {
	return f.auth.handshake(stream)
}

// Listen binds the listen address; Addr is valid afterwards.
func (s *Server) Listen() error {
	lis, err := s.cfg.Listener, error(nil) // tern serve binds first (Config.Listener)
	if lis == nil {
		lis, err = net.Listen("tcp", s.cfg.Listen)
	}
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	recOuter, recInner, recOuterS, recInnerS := s.recoveryInterceptors() // guard.go
	// guard.go: admission tap, message limit, request decoding, then recovery around auth.
	opts := append(s.guardOptions(),
		grpc.ChainUnaryInterceptor(recOuter, s.auth.unary(), recInner),
		grpc.ChainStreamInterceptor(recOuterS, s.auth.stream(), recInnerS),
	)
	if s.cfg.TLSCert != "" || s.cfg.TLSKey != "" || s.cfg.TLSClientCA != "" {
		creds, err := serverTLS(s.cfg.TLSCert, s.cfg.TLSKey, s.cfg.TLSClientCA)
		if err != nil {
			lis.Close()
			return err
		}
		opts = append(opts, grpc.Creds(creds))
	}
	s.lis = lis
	s.grpc = grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(s.grpc, &flightService{
		FlightServer: flightsql.NewFlightServerWithAllocator(s, s.alloc),
		auth:         s.auth,
	})
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// Serve serves until ctx is cancelled, then stops gracefully (in-flight calls get a grace
// period) and closes the catalog.
func (s *Server) Serve(ctx context.Context) error {
	if s.lis == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(s.lis) }()
	stopMaintenance := s.startMaintenance(ctx) // storage.go
	stopSweep := s.startSessionSweep(ctx)      // session_sweep.go
	var err error
	select {
	case <-ctx.Done():
		done := make(chan struct{})
		go func() { s.grpc.GracefulStop(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.grpc.Stop()
		}
		err = <-errc
	case err = <-errc:
	}
	stopSweep()
	stopMaintenance()
	if s.remote != nil {
		s.remote.Close()
	}
	if cerr := s.cat.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, grpc.ErrServerStopped) {
		err = nil
	}
	return err
}

// session returns the planner session of the caller.
func session(ctx context.Context) (planner.Session, error) {
	id, err := identityFrom(ctx)
	if err != nil {
		return planner.Session{}, err
	}
	sess := planner.Session{Tenant: id.Tenant, User: id.User, Schema: catalog.DefaultSchema}
	if st := sessionFrom(ctx); st != nil {
		st.apply(&sess) // session.go
	}
	return sess, nil
}
