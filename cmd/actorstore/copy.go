package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/persistence/storecopy"
)

func copyCommand() *cli.Command {
	return &cli.Command{
		Name:  "copy",
		Usage: "copy all events and checkpoints from one store to another (embedded directory or PostgreSQL URL)",
		Description: "Keeps streams, versions, global positions, event IDs, metadata and checkpoints\n" +
			"(and created times when the target is PostgreSQL). The target must be empty unless --resume.\n" +
			"Example: actorstore copy --from ./data --to postgres://user@host/db",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "source: an embedded store's data directory or a postgres:// URL"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "target: an embedded store's data directory or a postgres:// URL"},
			&cli.BoolFlag{Name: "resume", Usage: "continue an interrupted copy into a target that holds a prefix of the source"},
			&cli.IntFlag{Name: "batch", Value: storecopy.DefaultBatchEvents, Usage: "events read and written at once"},
			&cli.BoolFlag{Name: "no-progress", Usage: "no progress bar (there is none when stderr is not a terminal)"},
		},
		Action: runCopy,
	}
}

func runCopy(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() > 0 {
		return usageErrorf("copy takes no arguments, got %q", cmd.Args().Slice())
	}
	if cmd.Int("batch") <= 0 || cmd.Int("batch") > 100_000 {
		return usageErrorf("--batch: want 1 to 100000, got %d", cmd.Int("batch"))
	}
	from, err := openCopyStore(ctx, "--from", cmd.String("from"), true)
	if err != nil {
		return err
	}
	defer from.Close()
	to, err := openCopyStore(ctx, "--to", cmd.String("to"), false)
	if err != nil {
		return err
	}
	defer to.Close()
	o := storecopy.Options{BatchEvents: cmd.Int("batch"), Resume: cmd.Bool("resume")}
	if !cmd.Bool("no-progress") && isatty.IsTerminal(stderr.Fd()) {
		var bar *progressbar.ProgressBar
		o.Progress = func(copied, total uint64) {
			if bar == nil {
				bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("copy"), progressbar.OptionShowCount(),
					progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
					progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
			}
			bar.Set64(int64(copied))
		}
		defer func() {
			if bar != nil {
				bar.Finish()
			}
		}()
	}
	st, err := storecopy.Copy(ctx, from, to, o)
	var ne *storecopy.TargetNotEmptyError
	if errors.As(err, &ne) {
		return fmt.Errorf("%w (give --resume to continue a copy into it)", err)
	}
	if err != nil {
		return err
	}
	rate := 0.0
	if s := st.Elapsed.Seconds(); s > 0 {
		rate = float64(st.Events) / s
	}
	created := "created times kept"
	if !st.Bulk {
		created = "created times are the copy's"
	}
	fmt.Fprintf(os.Stdout, "copied %d events (%d already there) and %d checkpoints in %s: %.0f events/s; %s\n",
		st.Events, st.Skipped, st.Checkpoints, st.Elapsed.Round(1e6), rate, created)
	return nil
}

// openCopyStore opens a postgres:// URL or an embedded store's directory
// (which must already hold a store when it is the source).
func openCopyStore(ctx context.Context, flag, where string, mustExist bool) (persistence.Store, error) {
	if strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://") {
		st, err := postgres.Open(ctx, postgres.Config{URL: where})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		return st, nil
	}
	path := filepath.Join(where, actorstore.EmbeddedFileName)
	if _, err := os.Stat(path); err != nil && mustExist {
		return nil, usageErrorf("%s: no embedded store in %s (%s missing)", flag, where, actorstore.EmbeddedFileName)
	}
	if err := os.MkdirAll(where, 0o750); err != nil {
		return nil, usageErrorf("%s: %v", flag, err)
	}
	// Exclusive: never copy into or out of a store a running node holds.
	st, err := sqlite.Open(ctx, sqlite.Config{Path: path, Exclusive: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return st, nil
}
