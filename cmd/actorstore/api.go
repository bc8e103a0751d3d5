package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/node"
)

// apiFlags are serve's flags for the gRPC/Connect API (docs/api.md).
func apiFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "api-addr", Sources: cli.EnvVars("ACTORSTORE_API_ADDR"),
			Usage: "host:port of the gRPC/Connect API (gRPC, gRPC-Web, Connect JSON; e.g. 127.0.0.1:4160, " +
				"loopback unless you need it elsewhere); uses the --tls-* settings, --max-message-bytes and " +
				"--max-in-flight of the peer transport; empty: off"},
	}
}

// startAPI serves the gRPC/Connect API of n as --api-addr says; nil when
// it is empty.
func startAPI(cmd *cli.Command, n *node.Node, log zerolog.Logger) (*node.APIServer, error) {
	addr := cmd.String("api-addr")
	if addr == "" {
		return nil, nil
	}
	if !loopback(addr) && cmd.String("tls-ca") == "" {
		log.Warn().Str("api", addr).Msg("the gRPC/Connect API listens beyond loopback without mutual TLS: " +
			"anyone who reaches it can append and read; set --tls-cert, --tls-key, --tls-ca (docs/security.md)")
	}
	return n.StartAPI(addr)
}

// apiAddress is the API's address for the ready line ("off" when disabled).
func apiAddress(a *node.APIServer) string {
	if a == nil {
		return "off"
	}
	return a.Address()
}

// closeAPI stops the API before the node: subscriptions end, calls in
// progress finish within timeout.
func closeAPI(a *node.APIServer, timeout time.Duration) error {
	if a == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return a.Close(ctx)
}
