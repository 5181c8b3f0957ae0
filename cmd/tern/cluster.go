package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tern-db/tern/cluster"
)

// serveCluster holds `tern serve`'s flags for executor nodes.
type serveCluster struct {
	consul, nodes             *string
	proxy                     *bool
	nodeCA, nodeCert, nodeKey *string
}

func clusterFlags(fs *flag.FlagSet) serveCluster {
	return serveCluster{
		consul:   fs.String("consul", "", "Consul agent HTTP address (host:port): run queries on the healthy tern-node instances registered there"),
		nodes:    fs.String("nodes", "", "run queries on this static list of nodes (host:port,host:port)"),
		proxy:    fs.Bool("proxy-results", false, "relay results from the nodes through the gateway (for clients that cannot reach the nodes)"),
		nodeCA:   fs.String("node-tls-ca", "", "PEM CA certificates of the nodes' TLS certificates: dial nodes with TLS"),
		nodeCert: fs.String("node-tls-cert", "", "PEM client certificate for nodes that require mutual TLS (with --node-tls-key)"),
		nodeKey:  fs.String("node-tls-key", "", "PEM private key of --node-tls-cert"),
	}
}

type clusterConfig struct {
	members cluster.Membership
	dial    []grpc.DialOption
	tls     bool
}

// config resolves the flags; no --consul and no --nodes: the in-process node (nil members).
func (c serveCluster) config(ctx context.Context, log *slog.Logger) (clusterConfig, error) {
	var out clusterConfig
	switch {
	case *c.consul != "" && *c.nodes != "":
		return out, fmt.Errorf("--consul and --nodes exclude each other")
	case *c.consul != "":
		w, err := cluster.WatchConsul(ctx, *c.consul, log)
		if err != nil {
			return out, err
		}
		out.members = w
	case *c.nodes != "":
		s, err := cluster.ParseStatic(*c.nodes)
		if err != nil {
			return out, err
		}
		out.members = s
	default:
		if *c.proxy || *c.nodeCA != "" || *c.nodeCert != "" {
			return out, fmt.Errorf("--proxy-results and --node-tls-* need --consul or --nodes")
		}
		return out, nil
	}
	if os.Getenv("TERN_SECRET") == "" {
		return out, fmt.Errorf("--consul and --nodes need the cluster key in TERN_SECRET (the nodes' key)")
	}
	if *c.nodeCA != "" || *c.nodeCert != "" || *c.nodeKey != "" {
		creds, err := cluster.ClientTLS(*c.nodeCA, *c.nodeCert, *c.nodeKey)
		if err != nil {
			return out, err
		}
		out.dial, out.tls = []grpc.DialOption{grpc.WithTransportCredentials(creds)}, true
	} else {
		out.dial = []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	}
	return out, nil
}
