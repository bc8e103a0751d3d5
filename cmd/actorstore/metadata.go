package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/eventstore"
)

func metadataCommand() *cli.Command {
	return &cli.Command{
		Name:  "metadata",
		Usage: "read or set a stream's metadata (retention: truncate-before, max-age, max-count) on a node",
		Description: "Without --truncate-before, --max-age, --max-count or --clear it prints the metadata. " +
			"Otherwise it replaces the whole document (limits not given are 0: none); events outside the " +
			"retention are hidden from reads and subscriptions at once and removed by a scavenge (docs/lifecycle.md).",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Required: true, Usage: "stream ID"},
			&cli.Uint64Flag{Name: "truncate-before", Usage: "hide the events below this version"},
			&cli.DurationFlag{Name: "max-age", Usage: "hide the events committed longer ago (e.g. 2160h; whole milliseconds)"},
			&cli.Uint64Flag{Name: "max-count", Usage: "keep only the newest N events"},
			&cli.BoolFlag{Name: "clear", Usage: "set empty metadata (keep every event)"},
			&cli.StringFlag{Name: "expected-version", Aliases: []string{"expected", "e"}, Value: "any",
				Usage: "expected version of the metadata: any, no-stream (never set) or a number"},
		}, peerFlags()...),
		Action: jsonErrors(runMetadata),
	}
}

func runMetadata(ctx context.Context, cmd *cli.Command) error {
	set := cmd.IsSet("truncate-before") || cmd.IsSet("max-age") || cmd.IsSet("max-count") || cmd.Bool("clear")
	expected, err := eventstore.ParseExpectedVersion(cmd.String("expected-version"))
	if err != nil {
		return usageErrorf("--expected-version: %v", err)
	}
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	var res eventstore.MetadataResult
	if set {
		res, err = c.SetStreamMetadata(ctx, eventstore.MetadataRequest{Stream: cmd.String("stream"), Expected: expected,
			Metadata: eventstore.StreamMetadata{TruncateBefore: cmd.Uint64("truncate-before"),
				MaxAge: cmd.Duration("max-age"), MaxCount: cmd.Uint64("max-count")}})
	} else {
		res, err = c.StreamMetadata(ctx, cmd.String("stream"))
	}
	if err != nil {
		return err
	}
	m := res.Metadata
	if cmd.Bool("json") {
		return printJSON(map[string]any{"stream": res.Stream, "version": res.Version,
			"truncate_before": m.TruncateBefore, "max_age_ms": m.MaxAge.Milliseconds(), "max_count": m.MaxCount})
	}
	fmt.Fprintf(os.Stdout, "%s metadata version %d: truncate-before %d, max-age %s, max-count %d\n",
		res.Stream, res.Version, m.TruncateBefore, m.MaxAge, m.MaxCount)
	return nil
}
