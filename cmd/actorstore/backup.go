package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

func backupCommand() *cli.Command {
	return &cli.Command{
		Name:  "backup",
		Usage: "write a consistent copy of the embedded store, also while a node runs on it, and check it",
		Description: "Uses SQLite's VACUUM INTO: the copy is the store as of one moment, compacted. It is then " +
			"checked (integrity, schema, positions). For PostgreSQL use pg_dump or pg_basebackup " +
			"(docs/operations.md).",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: actorstore.DefaultDataDir, Sources: cli.EnvVars("ACTORSTORE_DATA_DIR"),
				Usage: "directory of the embedded store"},
			&cli.StringFlag{Name: "to", Required: true, Usage: "file to write (must not exist)"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: runBackup,
	}
}

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "check a backup and make it the embedded store of a new data directory",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Required: true, Usage: "backup file (from actorstore backup)"},
			&cli.StringFlag{Name: "data-dir", Usage: "new data directory (must hold no store); required unless --check-only"},
			&cli.BoolFlag{Name: "check-only", Usage: "only check the backup"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: runRestore,
	}
}

func runBackup(ctx context.Context, cmd *cli.Command) error {
	src := filepath.Join(cmd.String("data-dir"), actorstore.EmbeddedFileName)
	rep, err := sqlite.Backup(ctx, src, cmd.String("to"))
	if err != nil {
		return err
	}
	return printBackup(cmd, "backed up", rep)
}

func runRestore(ctx context.Context, cmd *cli.Command) error {
	if cmd.Bool("check-only") {
		rep, err := sqlite.VerifyBackup(ctx, cmd.String("from"))
		if err != nil {
			return err
		}
		return printBackup(cmd, "checked", rep)
	}
	dir := cmd.String("data-dir")
	if dir == "" {
		return usageErrorf("restore needs --data-dir (a new directory) unless --check-only")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return usageErrorf("--data-dir: %v", err)
	}
	rep, err := sqlite.Restore(ctx, cmd.String("from"), filepath.Join(dir, actorstore.EmbeddedFileName))
	if err != nil {
		return err
	}
	return printBackup(cmd, "restored", rep)
}

func printBackup(cmd *cli.Command, what string, rep sqlite.BackupReport) error {
	if cmd.Bool("json") {
		return printJSON(map[string]any{"path": rep.Path, "bytes": rep.Bytes, "events": rep.Events,
			"last_position": rep.LastPosition, "migrations": rep.Migrations, "took_ms": rep.Took.Milliseconds()})
	}
	fmt.Fprintf(os.Stdout, "%s %s: %d events, last position %d, %d bytes, checked (%s)\n", what, rep.Path,
		rep.Events, rep.LastPosition, rep.Bytes, rep.Took.Round(time.Millisecond))
	return nil
}
