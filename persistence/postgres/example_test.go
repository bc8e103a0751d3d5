package postgres_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// Open a store, append to two streams in one transaction, and read back.
func Example() {
	ctx := context.Background()
	store, err := postgres.Open(ctx, postgres.Config{
		URL:              "postgres://app:secret@localhost:5432/events",
		MaxConns:         20,
		OperationTimeout: 5 * time.Second,
		Logger:           zerolog.Nop(),
	})
	if err != nil {
		log.Fatal(err) // a *eventstore.ConnectionError: host, attempts, no password
	}
	defer store.Close()

	results, err := store.AppendBatch(ctx, []eventstore.AppendRequest{
		{Stream: "order-1", Expected: eventstore.NoStream(), Group: 1, Events: []eventstore.EventData{
			{ID: uuid.New(), Type: "OrderPlaced", Data: []byte(`{"total":42}`)}}},
		{Stream: "stock-7", Expected: eventstore.Any(), Group: 1, Events: []eventstore.EventData{
			{ID: uuid.New(), Type: "StockReserved", Data: []byte(`{"qty":1}`)}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range results {
		fmt.Println(r.Stream, r.LastVersion, r.Err)
	}
	events, err := store.ReadAll(ctx, eventstore.AllRead{Limit: 100, Filter: eventstore.CategoryFilter("order")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(events), "order events")
}
