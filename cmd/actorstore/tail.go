package main

import (
	"context"
	"errors"

	"github.com/urfave/cli/v3"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

func tailCommand() *cli.Command {
	return &cli.Command{
		Name:      "tail",
		Usage:     "print a stream's (or all streams') events as they commit, until interrupted",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Usage: "stream ID; empty follows all streams"},
			&cli.BoolFlag{Name: "beginning", Usage: "start with the oldest stored event (default: only new events)"},
			&cli.Uint64Flag{Name: "from", Usage: "start at this position (all streams) or version (one stream)"},
			&cli.StringFlag{Name: "prefix", Usage: "all streams: keep streams starting with this"},
			&cli.StringSliceFlag{Name: "type", Usage: "keep these event types (repeatable)"},
		}, peerFlags()...),
		Action: jsonErrors(runTail),
	}
}

func runTail(ctx context.Context, cmd *cli.Command) error {
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	o := client.TailOptions{Stream: cmd.String("stream"), Start: client.FromEnd,
		Filter: eventstore.Filter{StreamPrefix: cmd.String("prefix"), EventTypes: cmd.StringSlice("type")}}
	switch {
	case cmd.IsSet("from"):
		o.Start, o.At = client.FromAt, cmd.Uint64("from")
	case cmd.Bool("beginning"):
		o.Start = client.FromBeginning
	}
	err = c.Tail(ctx, o, func(e eventstore.RecordedEvent) error { return printEvent(cmd.Bool("json"), &e) })
	if errors.Is(err, context.Canceled) { // SIGINT or SIGTERM: a normal end
		return nil
	}
	return err
}
