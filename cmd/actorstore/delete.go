package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/eventstore"
)

func deleteCommand() *cli.Command {
	return &cli.Command{
		Name:  "delete",
		Usage: "delete a stream on a node: soft (hidden, versions continue) or --hard (tombstone)",
		Description: "A soft delete hides every event the stream has now: reads and subscriptions skip them, " +
			"the next append continues after the old last version. --hard leaves a tombstone: every later " +
			"append or read of the stream fails. The events leave the disk with a scavenge (docs/lifecycle.md).",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Required: true, Usage: "stream ID"},
			&cli.BoolFlag{Name: "hard", Usage: "leave a tombstone: the stream can never be written again"},
			&cli.StringFlag{Name: "expected-version", Aliases: []string{"expected", "e"}, Value: "any",
				Usage: "expected version: any, no-stream, stream-exists or a number"},
		}, peerFlags()...),
		Action: jsonErrors(runDelete),
	}
}

func runDelete(ctx context.Context, cmd *cli.Command) error {
	expected, err := eventstore.ParseExpectedVersion(cmd.String("expected-version"))
	if err != nil {
		return usageErrorf("--expected-version: %v", err)
	}
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Delete(ctx, eventstore.DeleteRequest{Stream: cmd.String("stream"), Expected: expected, Hard: cmd.Bool("hard")})
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		return printJSON(map[string]any{"stream": res.Stream, "version": res.Version, "hard": res.Hard})
	}
	kind := "deleted"
	if res.Hard {
		kind = "deleted for good (tombstone)"
	}
	fmt.Fprintf(os.Stdout, "%s %s: events up to version %d hidden\n", kind, res.Stream, res.Version)
	return nil
}
