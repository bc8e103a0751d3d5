package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
	"github.com/urfave/cli/v3"
)

func appendCommand() *cli.Command {
	return &cli.Command{
		Name:      "append",
		Usage:     "append one event to a stream on a node",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Required: true, Usage: "stream ID"},
			&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Required: true, Usage: "event type"},
			&cli.StringFlag{Name: "data", Aliases: []string{"d"},
				Usage: "event payload; '-' or absent reads it from stdin"},
			&cli.StringFlag{Name: "expected", Aliases: []string{"e"}, Value: "any",
				Usage: "expected version: any, no-stream, stream-exists or a number"},
			&cli.StringFlag{Name: "content-type", Value: eventstore.ContentTypeJSON, Usage: "MIME type of the payload"},
			&cli.StringFlag{Name: "id", Usage: "event ID (a UUID; default a new time-ordered one, UUID version 7). Retrying with the same ID is idempotent"},
			&cli.StringSliceFlag{Name: "meta", Usage: "metadata key=value (repeatable)"},
		}, peerFlags()...),
		Action: jsonErrors(runAppend),
	}
}

func runAppend(ctx context.Context, cmd *cli.Command) error {
	e, expected, err := eventFromFlags(cmd)
	if err != nil {
		return err
	}
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Append(ctx, cmd.String("stream"), expected, e)
	if err != nil {
		return err
	}
	if cmd.Bool("json") {
		return printJSON(map[string]any{"stream": res.Stream, "event_id": e.ID, "first_version": res.FirstVersion,
			"last_version": res.LastVersion, "first_position": res.FirstPosition,
			"last_position": res.LastPosition, "idempotent": res.Idempotent})
	}
	note := ""
	if res.Idempotent {
		note = " (already stored: idempotent retry)"
	}
	fmt.Fprintf(os.Stdout, "appended %s to %s: version %d, position %d%s\n",
		e.ID, res.Stream, res.LastVersion, res.LastPosition, note)
	return nil
}

func eventFromFlags(cmd *cli.Command) (eventstore.EventData, eventstore.ExpectedVersion, error) {
	expected, err := eventstore.ParseExpectedVersion(cmd.String("expected"))
	if err != nil {
		return eventstore.EventData{}, expected, usageErrorf("--expected: %v", err)
	}
	id := eventstore.NewEventID()
	if s := cmd.String("id"); s != "" {
		if id, err = uuid.Parse(s); err != nil {
			return eventstore.EventData{}, expected, usageErrorf("--id: %v", err)
		}
	}
	data, err := payload(cmd)
	if err != nil {
		return eventstore.EventData{}, expected, err
	}
	meta, err := metadata(cmd.StringSlice("meta"))
	if err != nil {
		return eventstore.EventData{}, expected, err
	}
	return eventstore.EventData{ID: id, Type: cmd.String("type"), ContentType: cmd.String("content-type"),
		Data: data, Metadata: meta}, expected, nil
}

func payload(cmd *cli.Command) ([]byte, error) {
	if d := cmd.String("data"); d != "" && d != "-" {
		return []byte(d), nil
	}
	data, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read payload from stdin: %w", err)
	}
	return data, nil
}

func metadata(kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--meta: want key=value, got %q", kv)
		}
		m[k] = v
	}
	return m, nil
}
