package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/urfave/cli/v3"
)

func readCommand() *cli.Command {
	return &cli.Command{
		Name:      "read",
		Usage:     "read the events of a stream, or of all streams in global order",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "stream", Aliases: []string{"s"}, Usage: "stream ID; empty reads all streams"},
			&cli.Uint64Flag{Name: "from", Usage: "first version (stream) or position (all); default the oldest, or the newest with --backward"},
			&cli.BoolFlag{Name: "backward", Aliases: []string{"b"}, Usage: "newest first"},
			&cli.IntFlag{Name: "limit", Aliases: []string{"n"}, Value: 20, Usage: "most events to print"},
			&cli.StringFlag{Name: "prefix", Usage: "all streams: keep streams starting with this"},
			&cli.StringSliceFlag{Name: "type", Usage: "all streams: keep these event types (repeatable)"},
		}, peerFlags()...),
		Action: jsonErrors(runRead),
	}
}

func runRead(ctx context.Context, cmd *cli.Command) error {
	if cmd.Int("limit") <= 0 {
		return usageErrorf("--limit must be positive")
	}
	c, err := dial(ctx, cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	dir, from := eventstore.Forward, cmd.Uint64("from")
	if cmd.Bool("backward") {
		dir = eventstore.Backward
		if !cmd.IsSet("from") {
			from = eventstore.End
		}
	}
	var evs []eventstore.RecordedEvent
	if s := cmd.String("stream"); s != "" {
		evs, err = c.ReadStream(ctx, eventstore.StreamRead{Stream: s, From: from, Direction: dir, Limit: cmd.Int("limit")})
	} else {
		evs, err = c.ReadAll(ctx, eventstore.AllRead{From: from, Direction: dir, Limit: cmd.Int("limit"),
			Filter: eventstore.Filter{StreamPrefix: cmd.String("prefix"), EventTypes: cmd.StringSlice("type")}})
	}
	if err != nil {
		return err
	}
	for i := range evs {
		if err := printEvent(cmd.Bool("json"), &evs[i]); err != nil {
			return err
		}
	}
	return nil
}

func printEvent(asJSON bool, e *eventstore.RecordedEvent) error {
	if asJSON {
		return printJSON(eventJSON(e))
	}
	data := preview(e.Data, 80)
	if eventstore.IsShredded(*e) {
		data = "(shredded: subject " + e.Metadata[eventstore.MetaSubject] + " forgotten)"
	}
	fmt.Fprintf(os.Stdout, "%6d  %s@%d  %s  %s  %s\n", e.Position, e.Stream, e.Version, e.Type,
		e.Created.Local().Format(time.DateTime), data)
	return nil
}

// eventJSON keeps JSON payloads as JSON; others are strings when they are
// UTF-8 and base64 (by encoding/json) when not.
func eventJSON(e *eventstore.RecordedEvent) map[string]any {
	m := map[string]any{"stream": e.Stream, "version": e.Version, "position": e.Position,
		"event_id": e.ID, "type": e.Type, "content_type": e.ContentType, "created": e.Created}
	switch {
	case json.Valid(e.Data) && (e.ContentType == "" || strings.Contains(e.ContentType, "json")):
		m["data"] = json.RawMessage(e.Data)
	case utf8.Valid(e.Data):
		m["data"] = string(e.Data)
	default:
		m["data"] = e.Data
	}
	if len(e.Metadata) > 0 {
		m["metadata"] = e.Metadata
	}
	if eventstore.IsShredded(*e) {
		m["shredded"] = true
	}
	return m
}

func preview(data []byte, n int) string {
	if !utf8.Valid(data) {
		return fmt.Sprintf("(%d bytes)", len(data))
	}
	s := strings.ReplaceAll(string(data), "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func printJSON(v any) error {
	return json.NewEncoder(os.Stdout).Encode(v)
}
