package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/projections"
)

// projectionsCommand: `actorstore projections list|status|reset|rebuild|
// parked|skip|retry` against a database (a postgres:// URL or an embedded
// store's directory). It needs no running node: projections keep their
// state in the store's database (docs/projections.md).
func projectionsCommand() *cli.Command {
	db := &cli.StringFlag{Name: "db", Required: true, Sources: cli.EnvVars("ACTORSTORE_DB"),
		Usage: "the store: a postgres:// URL or an embedded store's data directory"}
	asJSON := &cli.BoolFlag{Name: "json", Usage: "print JSON"}
	version := &cli.IntFlag{Name: "version", Required: true, Usage: "the projection version"}
	position := &cli.Uint64Flag{Name: "position", Required: true, Usage: "the parked event's global position"}
	one := func(name, usage string, flags []cli.Flag, run func(ctx context.Context, db persistence.Store, cmd *cli.Command) error) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, ArgsUsage: "NAME", Flags: append([]cli.Flag{db, asJSON}, flags...),
			Action: func(ctx context.Context, cmd *cli.Command) error {
				if name != "list" && cmd.Args().Len() != 1 {
					return usageErrorf("projections %s: give one projection NAME", name)
				}
				st, err := openProjectionStore(ctx, cmd.String("db"))
				if err != nil {
					return err
				}
				defer st.Close()
				return run(ctx, st, cmd)
			}}
	}
	return &cli.Command{
		Name:  "projections",
		Usage: "list, inspect, reset and rebuild projections in a store's database",
		Commands: []*cli.Command{
			one("list", "every projection version: live, state, position, lag, parked", nil, runProjectionsStatus),
			one("status", "a projection's versions and partitions", nil, runProjectionsStatus),
			one("reset", "move a version back to --to (default 0); its partitions restart there", []cli.Flag{version,
				&cli.Uint64Flag{Name: "to", Usage: "the position to restart after"}},
				func(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
					return done(cmd, projections.Reset(ctx, db, cmd.Args().First(), int(cmd.Int("version")), cmd.Uint64("to")))
				}),
			one("rebuild", "rebuild a version that is not live from position 0 (its tables are yours to empty first)",
				[]cli.Flag{version}, runProjectionsRebuild),
			one("parked", "list a version's parked events", []cli.Flag{version}, runProjectionsParked),
			one("skip", "give up on a parked event (a stopped partition moves past it)", []cli.Flag{version, position},
				func(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
					return done(cmd, projections.SkipParked(ctx, db, cmd.Args().First(), int(cmd.Int("version")), cmd.Uint64("position")))
				}),
			one("retry", "let a stopped partition retry its parked event", []cli.Flag{version, position},
				func(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
					return done(cmd, projections.RetryParked(ctx, db, cmd.Args().First(), int(cmd.Int("version")), cmd.Uint64("position")))
				}),
		},
	}
}

// openProjectionStore opens where without taking the embedded store's
// exclusive lock: the commands only touch the projection tables, so they
// may run beside a node that serves the file.
func openProjectionStore(ctx context.Context, where string) (persistence.Store, error) {
	if strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://") {
		return postgres.Open(ctx, postgres.Config{URL: where})
	}
	path := filepath.Join(where, actorstore.EmbeddedFileName)
	if _, err := os.Stat(path); err != nil {
		return nil, usageErrorf("--db: no embedded store in %s (%s missing)", where, actorstore.EmbeddedFileName)
	}
	return sqlite.Open(ctx, sqlite.Config{Path: path})
}

func done(cmd *cli.Command, err error) error {
	if err != nil {
		return projectionError(err)
	}
	if cmd.Bool("json") {
		_, err = fmt.Fprintln(os.Stdout, `{"ok":true}`)
		return err
	}
	_, err = fmt.Fprintln(os.Stdout, "ok")
	return err
}

// projectionError turns bad names and versions into usage errors.
func projectionError(err error) error {
	if errors.Is(err, projections.ErrNotFound) {
		return usageErrorf("%v", err)
	}
	return err
}

func runProjectionsStatus(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
	st, err := projections.StatusOf(ctx, db, cmd.Args().First())
	if err != nil {
		return projectionError(err)
	}
	if cmd.Bool("json") {
		return json.NewEncoder(os.Stdout).Encode(st)
	}
	writeProjectionStatus(os.Stdout, st, cmd.Name == "status")
	return nil
}

// writeProjectionStatus prints one line per version (and with parts, one
// per partition).
func writeProjectionStatus(out io.Writer, st []projections.Status, parts bool) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tLIVE\tSTATE\tPOSITION\tHEAD\tLAG EVENTS\tLAG SECONDS\tHANDLED\tPARKED\tLAST ERROR")
	for _, s := range st {
		fmt.Fprintf(w, "%s\t%d\t%v\t%s\t%d\t%d\t%d\t%.1f\t%d\t%d\t%s\n", s.Name, s.Version, s.Live, s.State,
			s.Position, s.Head, s.LagEvents, s.LagSeconds, s.Handled, s.Parked, s.LastError)
		if !parts {
			continue
		}
		for _, p := range s.Parts {
			owner := "-"
			if p.Owned {
				owner = fmt.Sprintf("%s (lease until %s)", p.Owner, p.LeaseExpires.Local().Format(time.TimeOnly))
			}
			fmt.Fprintf(w, "  partition %d\t\t\t%s\t%d\t\t\t\t%d\t\t\n", p.Partition, owner, p.Position, p.Handled)
		}
	}
	_ = w.Flush()
}

func runProjectionsRebuild(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
	name, version := cmd.Args().First(), int(cmd.Int("version"))
	live, err := projections.LiveVersion(ctx, db, name)
	if err != nil {
		return projectionError(err)
	}
	if live == version {
		return usageErrorf("projections rebuild: v%d is live; run a new version beside it (docs/projections.md) or use reset", version)
	}
	return done(cmd, projections.Reset(ctx, db, name, version, 0))
}

func runProjectionsParked(ctx context.Context, db persistence.Store, cmd *cli.Command) error {
	ps, err := projections.Parked(ctx, db, cmd.Args().First(), int(cmd.Int("version")))
	if err != nil {
		return projectionError(err)
	}
	if cmd.Bool("json") {
		return json.NewEncoder(os.Stdout).Encode(ps)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "POSITION\tPARTITION\tSTREAM\tTYPE\tKIND\tPARKED AT\tERROR")
	for _, p := range ps {
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", p.Position, p.Partition, p.Stream, p.Type, p.Kind,
			p.ParkedAt.Local().Format(time.DateTime), p.Error)
	}
	return w.Flush()
}
