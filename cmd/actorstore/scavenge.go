package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// scavengeFlags are serve's flags for the background scavenge.
func scavengeFlags() []cli.Flag {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return []cli.Flag{
		&cli.DurationFlag{Name: "scavenge-every", Value: time.Hour, Sources: env("SCAVENGE_EVERY"),
			Usage: "time between background scavenges, which remove deleted and expired events from disk (0: none)"},
		&cli.IntFlag{Name: "scavenge-rate", Value: 5_000, Sources: env("SCAVENGE_RATE"),
			Usage: "most events a scavenge removes per second"},
	}
}

func scavengeConfig(cmd *cli.Command) actorstore.ScavengeConfig {
	return actorstore.ScavengeConfig{Every: cmd.Duration("scavenge-every"), EventsPerSecond: cmd.Int("scavenge-rate")}
}

func scavengeCommand() *cli.Command {
	env := func(name string) cli.ValueSourceChain { return cli.EnvVars("ACTORSTORE_" + name) }
	return &cli.Command{
		Name:  "scavenge",
		Usage: "remove deleted, truncated and expired events from disk now, then exit",
		Description: "Opens the store (PostgreSQL, possibly shared with running nodes; or an embedded store no node " +
			"is running on: a running node scavenges its own store with serve --scavenge-every) and removes the " +
			"events that deletes and stream metadata hide, in short transactions, at most --rate per second. " +
			"Readers see nothing change. See docs/lifecycle.md.",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: actorstore.DefaultDataDir, Sources: env("DATA_DIR"),
				Usage: "directory of the embedded store (used when no PostgreSQL URL is given)"},
			&cli.StringFlag{Name: "postgres-url", Sources: env("POSTGRES_URL"), Usage: "PostgreSQL URL"},
			&cli.IntFlag{Name: "rate", Value: 5_000, Usage: "most events removed per second"},
			&cli.IntFlag{Name: "batch", Value: 500, Usage: "most events removed per transaction"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: runScavenge,
	}
}

func runScavenge(ctx context.Context, cmd *cli.Command) error {
	if cmd.Int("rate") <= 0 || cmd.Int("batch") <= 0 {
		return usageErrorf("--rate and --batch must be positive")
	}
	cfg := actorstore.Config{PostgresURL: cmd.String("postgres-url"), DataDir: cmd.String("data-dir")}
	if cfg.Embedded() {
		if _, err := os.Stat(cfg.DataDir); err != nil {
			return usageErrorf("--data-dir: no embedded store in %s", cfg.DataDir)
		}
	}
	st, err := actorstore.Open(ctx, cfg)
	if err != nil {
		var ie *eventstore.InputError
		if errors.As(err, &ie) {
			return usageErrorf("configuration: %v", err)
		}
		return err
	}
	defer st.Close(context.WithoutCancel(ctx))
	rep, err := st.Scavenge(ctx, actorstore.ScavengeConfig{EventsPerSecond: cmd.Int("rate"), BatchEvents: cmd.Int("batch")})
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		return printJSON(map[string]any{"events": rep.Events, "bytes": rep.Bytes, "streams": rep.Streams,
			"steps": rep.Steps, "took_ms": rep.Duration.Milliseconds()})
	}
	fmt.Fprintf(os.Stdout, "scavenged %d events (%d bytes of data) of %d streams in %s\n",
		rep.Events, rep.Bytes, rep.Streams, rep.Duration.Round(time.Millisecond))
	return nil
}
