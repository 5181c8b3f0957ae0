package flightsql

import (
	"context"

	"google.golang.org/grpc/metadata"
)

// withOutgoing copies the outgoing gRPC metadata of from (the bearer token the handshake
// put there) onto ctx.
func withOutgoing(ctx, from context.Context) context.Context {
	md, ok := metadata.FromOutgoingContext(from)
	if !ok {
		return ctx
	}
	return metadata.NewOutgoingContext(ctx, md)
}
