package main

import (
	"context"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/node"
	"github.com/actorstore/actorstore/telemetry/console"
)

// consoleFlags are serve's flags for the operator console (docs/console.md).
func consoleFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.BoolFlag{Name: "console", Value: true, Sources: env("CONSOLE"),
			Usage: "serve the operator console at /ui on the admin endpoint (its data routes need the role read when tokens are set)"},
		&cli.BoolFlag{Name: "console-write", Sources: env("CONSOLE_WRITE"),
			Usage: "allow the console's write action (append an event; needs a token with the role write; each use is logged)"},
	}
}

// consoleConfig is the console the flags ask for on node n; nil when off.
func consoleConfig(cmd *cli.Command, n *node.Node) *console.Config {
	if !cmd.Bool("console") {
		return nil
	}
	cfg := &console.Config{Self: n.Address(), Write: cmd.Bool("console-write"),
		Owner: func(ctx context.Context, stream string) (string, error) { return n.StreamOwner(ctx, stream) }}
	if _, _, _, clustered := n.Membership(); clustered {
		cfg.Cluster = func() console.ClusterInfo {
			name, members, joined, _ := n.Membership()
			return console.ClusterInfo{Name: name, Self: n.Address(), Members: members, Joined: joined}
		}
	}
	return cfg
}
