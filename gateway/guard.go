package gateway

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/tern-db/tern/proto/errs"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"
)

// guard.go: what stands between a caller and the server's memory and process.
//
//   - Admission (tap): grpc-go reads a unary request message whole before any interceptor
//     runs, so an unauthenticated caller could make the server hold MaxRecvMsgSize bytes per
//     call before the auth interceptor refused it. The tap runs when a call's headers
//     arrive, before a byte of its messages is read: calls other than Handshake without
//     valid credentials are refused there, and the client's data is discarded by the
//     transport. Handshake reads no message (credentials travel in its headers), so what an
//     unauthenticated caller can make the server hold is bounded by HTTP/2 flow control
//     (the stream window), not by the message limit.
//   - Message limit: the configurable limit (Config.MaxMessageSize, `tern serve
//     --max-message-size`) therefore only applies to authenticated callers. Bulk data is
//     streamed in many messages (Flight clients send one message per record batch), so the
//     limit bounds a batch, not a load.
//   - Recovery: every call runs under go-grpc-middleware's recovery interceptor; a panic
//     becomes Internal without detail for the client and a log line with the stack.
//     Goroutines a handler starts recover through recoveredPanic.

// DefaultMaxMessageSize is the largest message an authenticated caller may send.
const DefaultMaxMessageSize = 64 << 20

// guardOptions are the gRPC options of the guard. Its interceptors come first in the chain.
func (s *Server) guardOptions() []grpc.ServerOption {
	max := s.cfg.MaxMessageSize
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	adm := &admission{auth: s.auth}
	codec := newRequestCodec()
	return []grpc.ServerOption{
		grpc.InTapHandle(adm.tap),
		grpc.MaxRecvMsgSize(max),
		grpc.ForceServerCodecV2(codec),
		grpc.ChainUnaryInterceptor(codec.unary),
		grpc.ChainStreamInterceptor(codec.stream),
	}
}

// admission decides, from a call's headers alone, whether the server reads its messages.
type admission struct {
	auth *authenticator

	mu    sync.Mutex
	basic map[[32]byte]time.Time // MAC of accepted Basic credentials -> until when
}

const (
	basicAdmitTTL = 5 * time.Minute
	basicAdmitMax = 4096
)

// tap runs on the connection's reader when a call's headers arrive. It must be cheap: a
// bearer token is an HMAC check. Basic credentials (which some clients send on every call)
// cost a password check the first time; accepted ones are remembered for a few minutes by
// their MAC. The auth interceptor still authenticates every call: the tap only decides
// whether the server reads the call's messages at all.
func (a *admission) tap(ctx context.Context, info *tap.Info) (context.Context, error) {
	if info.FullMethodName == handshakeMethod {
		return ctx, nil
	}
	vals := info.Header.Get("authorization")
	if len(vals) > 0 && a.remembered(vals[0]) {
		return ctx, nil
	}
	_, tok, err := a.auth.fromMetadata(metadata.NewIncomingContext(ctx, info.Header))
	if err != nil {
		return nil, errs.ToStatus(err)
	}
	if tok != "" { // Basic credentials were checked
		a.remember(vals[0])
	}
	return ctx, nil
}

func (a *admission) mac(header string) [32]byte {
	m := hmac.New(sha256.New, a.auth.key)
	m.Write([]byte(header))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

func (a *admission) remembered(header string) bool {
	k := a.mac(header) // only accepted Basic credentials are in the map
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.basic[k]
	return ok && time.Now().Before(until)
}

func (a *admission) remember(header string) {
	k := a.mac(header)
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.basic == nil {
		a.basic = map[[32]byte]time.Time{}
	}
	if len(a.basic) >= basicAdmitMax {
		for k, until := range a.basic {
			if now.After(until) {
				delete(a.basic, k)
			}
		}
		if len(a.basic) >= basicAdmitMax {
			clear(a.basic)
		}
	}
	a.basic[k] = now.Add(basicAdmitTTL)
}

// recoveryInterceptors put every call under the recovery interceptor, twice: innermost, where
// the panic's error still goes through the auth interceptor's error mapping (Internal without
// detail), and outermost, for a panic in the interceptors themselves.
func (s *Server) recoveryInterceptors() (outer, inner grpc.UnaryServerInterceptor, outerS, innerS grpc.StreamServerInterceptor) {
	handler := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		return recoveredPanic(ctx, s.log, "handling "+methodOf(ctx), p)
	})
	outerHandler := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		return errs.ToStatus(recoveredPanic(ctx, s.log, "handling "+methodOf(ctx), p))
	})
	innerStream := recovery.StreamServerInterceptor(handler)
	innerS = func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		// The stream's context carries the logger to goroutines the handler starts.
		ctx := context.WithValue(ss.Context(), panicLogKey{}, s.log)
		return innerStream(srv, &identStream{ServerStream: ss, ctx: ctx}, info, h)
	}
	return recovery.UnaryServerInterceptor(outerHandler), recovery.UnaryServerInterceptor(handler),
		recovery.StreamServerInterceptor(outerHandler), innerS
}

type panicLogKey struct{}

func methodOf(ctx context.Context) string {
	if m, ok := grpc.Method(ctx); ok {
		return m
	}
	return "a call"
}

// recoveredPanic logs a recovered panic with the stack and returns the Internal error that
// reports it (clients see no detail). log nil: the logger the call's context carries.
func recoveredPanic(ctx context.Context, log *slog.Logger, where string, p any) error {
	if log == nil {
		log, _ = ctx.Value(panicLogKey{}).(*slog.Logger)
	}
	if log == nil {
		log = slog.Default()
	}
	log.Error("panic recovered", "where", where, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return fmt.Errorf("%w: panic while %s: %v", errs.ErrInternal, where, p)
}

// DoPut and DoExchange read Arrow IPC from the client: each message passes the IPC guard
// (ipcguard.go) before arrow-go decodes it.
func (f *flightService) DoPut(stream flight.FlightService_DoPutServer) error {
	return f.FlightServer.DoPut(&guardedPut{FlightService_DoPutServer: stream, ipcGate: newIPCGate()})
}

func (f *flightService) DoExchange(stream flight.FlightService_DoExchangeServer) error {
	return f.FlightServer.DoExchange(&guardedExchange{FlightService_DoExchangeServer: stream, ipcGate: newIPCGate()})
}

// requestCodec decodes request messages with the protobuf codec, but a message that does not
// parse is not grpc-go's Internal error: the failure is kept (by the message's address) for
// the first interceptor, which answers InvalidArgument. grpc-go decodes a unary request
// before any interceptor runs and maps every decoding error to Internal, which would blame
// the server for a client's bytes.
type requestCodec struct {
	encoding.CodecV2
	bad sync.Map // request message pointer -> decoding error
}

func newRequestCodec() *requestCodec {
	return &requestCodec{CodecV2: encoding.GetCodecV2(grpcproto.Name)}
}

func (c *requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if err := c.CodecV2.Unmarshal(data, v); err != nil {
		c.bad.Store(v, err)
	}
	return nil
}

func (c *requestCodec) malformed(m any) error {
	if e, ok := c.bad.LoadAndDelete(m); ok {
		return status.Errorf(codes.InvalidArgument, "malformed request message: %v", e)
	}
	return nil
}

func (c *requestCodec) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := c.malformed(req); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (c *requestCodec) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	return h(srv, &checkedRecv{ServerStream: ss, codec: c})
}

type checkedRecv struct {
	grpc.ServerStream
	codec *requestCodec
}

func (s *checkedRecv) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.malformed(m)
}
