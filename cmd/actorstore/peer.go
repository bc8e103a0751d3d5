package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/urfave/cli/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/wire"
)

// version of the binary, reported by Status; set with
// -ldflags "-X main.version=...".
var version = "dev"

// peerFlags are the flags of every command that talks to a node.
func peerFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return append([]cli.Flag{
		&cli.StringFlag{Name: "node", Value: client.DefaultNodeAddress, Sources: env("NODE"),
			Usage: "host:port of the node"},
		&cli.StringFlag{Name: "client-listen", Value: client.DefaultListenAddress, Sources: env("CLIENT_LISTEN"),
			Usage: "host:port this command listens on for the node's replies (must be reachable from the node)"},
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Sources: env("TIMEOUT"),
			Usage: "how long to wait for the node"},
		&cli.BoolFlag{Name: "json", Usage: "print JSON (one object per line) instead of text"},
	}, tlsFlags()...)
}

// dial connects to the node the flags name. The transport's logs are
// shown only with --log-level debug or trace: the command's own error
// says what went wrong.
func dial(ctx context.Context, cmd *cli.Command) (*client.Client, error) {
	log, err := newLogger(cmd.Root(), stderr)
	if err != nil {
		return nil, err
	}
	if log.GetLevel() > zerolog.DebugLevel {
		log = zerolog.Nop()
	}
	serverTLS, clientTLS, err := loadTLS(cmd)
	if err != nil {
		return nil, err
	}
	return client.Dial(ctx, client.Config{
		NodeAddress: cmd.String("node"), ListenAddress: cmd.String("client-listen"),
		RequestTimeout: cmd.Duration("timeout"), DialTimeout: cmd.Duration("timeout"),
		ServerTLS: serverTLS, ClientTLS: clientTLS, Logger: log,
	})
}

// jsonErrors makes a client command print its failure, with --json, as
// {"error": <the wire Error>} on stdout (code, stream, expected, actual
// version, trace ID), besides the message on stderr and exit status 1.
func jsonErrors(action cli.ActionFunc) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		err := action(ctx, cmd)
		if err == nil || !cmd.Bool("json") || isUsageError(err) {
			return err
		}
		b, merr := protojson.MarshalOptions{UseProtoNames: true}.Marshal(wire.ErrorToProto(err))
		if merr == nil {
			fmt.Fprintf(os.Stdout, "{\"error\":%s}\n", b)
		}
		return err
	}
}
