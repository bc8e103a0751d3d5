// Command schemas shows event schemas at work: loading a schema directory
// with an upcaster declared in Go, validating events (version detection,
// field-level errors and their wire form), refusing an incompatible
// change, and reading a v1 event as v2.
//
//	go run ./examples/schemas
package main

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
	"github.com/actorstore/actorstore/wire"
)

// The layout LoadDir reads: <type>/v<N>.schema.json and modes.json.
//
//go:embed schemas
var schemaFiles embed.FS

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	reg, err := newRegistry()
	if err != nil {
		return err
	}
	fmt.Println("registered:", reg.Types(), "versions of order-placed:", reg.Versions("order-placed"))
	if err := validateEvents(reg); err != nil {
		return err
	}
	if err := refuseIncompatible(reg); err != nil {
		return err
	}
	return upcastStored(reg)
}

// newRegistry declares the v1 -> v2 upcaster, then loads the directory:
// v2 is accepted because v1's example, upcast, validates against v2.
func newRegistry() (*schemas.Registry, error) {
	reg := schemas.NewRegistry()
	err := reg.RegisterJSONUpcaster("order-placed", 1, func(doc map[string]any) error {
		doc["currency"] = "EUR" // v1 orders were all in euros
		lines, _ := doc["lines"].([]any)
		for _, l := range lines {
			if line, ok := l.(map[string]any); ok {
				line["quantity"] = line["qty"]
				delete(line, "qty")
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dir, err := fs.Sub(schemaFiles, "schemas")
	if err != nil {
		return nil, err
	}
	return reg, reg.LoadDir(dir)
}

func validateEvents(reg *schemas.Registry) error {
	good := newEvent(`{"orderId":"o-7","currency":"USD","lines":[{"sku":"fig","quantity":3}]}`)
	res, err := reg.Validate(good)
	if err != nil {
		return err
	}
	fmt.Printf("valid event: stored as v%d (%s)\n", res.Version, res.Source)

	bad := newEvent(`{"orderId":"","currency":"usd","lines":[{"sku":"fig","quantity":1},{"sku":"kiwi","quantity":0}]}`)
	bad.SchemaVersion = 2
	_, err = reg.Validate(bad)
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("the bad event was accepted: %v", err)
	}
	fmt.Println("rejected event, every problem:")
	for _, p := range ve.Events[0].Problems {
		fmt.Printf("  %-20s %-10s %s\n", p.Path, p.Rule, p.Message)
	}
	onWire := wire.ErrorToProto(ve)
	fmt.Printf("on the wire: code %s, first field %q\n", onWire.GetCode(), onWire.GetFields()[0].GetPath())

	other := newEvent(`{}`)
	other.Type = "unregistered"
	res, err = reg.Validate(other)
	if err != nil {
		return err
	}
	fmt.Printf("unregistered type in %s mode: accepted with warning %q\n", res.Mode, res.Warnings[0].Rule)
	return nil
}

func refuseIncompatible(reg *schemas.Registry) error {
	v3 := `{"type":"object","required":["orderId","customer"],"examples":[{"orderId":"o","customer":"c"}]}`
	err := reg.RegisterJSON("order-placed", 3, []byte(v3))
	if !errors.Is(err, schemas.ErrIncompatible) {
		return fmt.Errorf("incompatible v3 was not refused: %v", err)
	}
	fmt.Println("refused:", err)
	return nil
}

func upcastStored(reg *schemas.Registry) error {
	stored := eventstore.RecordedEvent{Stream: "order-1", Version: 1, Position: 1,
		EventData: *newEvent(`{"orderId":"o-1","lines":[{"sku":"apple","qty":2}]}`)}
	stored.SchemaVersion = 1
	latest, err := reg.Upcast(stored, 0)
	if err != nil {
		return err
	}
	fmt.Printf("stored v1 %s\nread as v%d %s\n", stored.Data, latest.SchemaVersion, latest.Data)
	return nil
}

func newEvent(data string) *eventstore.EventData {
	return &eventstore.EventData{ID: eventstore.NewEventID(), Type: "order-placed", Data: []byte(data)}
}
