// Command embedded is a Go service that embeds actorstore: it opens the
// store in a directory (the embedded SQLite file, no setup), appends to a
// stream with optimistic concurrency, reads the stream back, and closes.
//
//	go run ./examples/embedded [-data DIR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/actorstore/actorstore"
)

func main() {
	dir := flag.String("data", "", "data directory (default: a new temporary directory)")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "actorstore-embedded")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		return err
	}
	defer st.Close(context.Background())
	if err := placeAndPay(ctx, st); err != nil {
		return err
	}
	return printStream(ctx, st, "order-42")
}

func event(typ, data string) actorstore.EventData {
	return actorstore.EventData{ID: actorstore.NewEventID(), Type: typ, Data: []byte(data)}
}

func placeAndPay(ctx context.Context, st *actorstore.Store) error {
	res, err := st.Append(ctx, "order-42", actorstore.NoStream(), event("OrderPlaced", `{"total":30}`))
	if err != nil {
		return err
	}
	fmt.Printf("placed: version %d, position %d\n", res.LastVersion, res.LastPosition)
	// A writer that still believes the order is new is told so, typed.
	_, err = st.Append(ctx, "order-42", actorstore.NoStream(), event("OrderPlaced", `{"total":99}`))
	var ce *actorstore.ConcurrencyError
	if !errors.As(err, &ce) {
		return fmt.Errorf("want a concurrency error, got %v", err)
	}
	fmt.Printf("conflict: stream %s is at version %d\n", ce.Stream, ce.Actual)
	res, err = st.Append(ctx, "order-42", actorstore.Exact(ce.Actual), event("OrderPaid", `{"amount":30}`))
	if err != nil {
		return err
	}
	fmt.Printf("paid: version %d\n", res.LastVersion)
	return nil
}

func printStream(ctx context.Context, st *actorstore.Store, stream string) error {
	evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: stream, Limit: 100})
	if err != nil {
		return err
	}
	for _, e := range evs {
		fmt.Printf("%s@%d %s %s\n", e.Stream, e.Version, e.Type, e.Data)
	}
	return nil
}
