package gateway

import (
	"github.com/tern-db/tern/cluster"
	"google.golang.org/grpc/credentials"
)

// serverTLS builds the gateway's TLS credentials: its certificate and key, and with clientCA
// mutual TLS. Nodes build theirs the same way (cluster.ServerTLS).
func serverTLS(certFile, keyFile, clientCA string) (credentials.TransportCredentials, error) {
	return cluster.ServerTLS(certFile, keyFile, clientCA)
}
