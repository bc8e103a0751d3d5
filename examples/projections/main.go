// Command projections keeps an order-totals read model in PostgreSQL with
// an exactly-once projection, then rebuilds it as a version 2 with an extra
// column while appends continue: v1 serves reads until v2 has caught up,
// then reads switch to v2 and v1 is dropped.
//
//	go run ./examples/projections -postgres-url postgres://user:pass@localhost/db
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// ItemAdded is the one event type: an order line.
type ItemAdded struct {
	Amount int64 `json:"amount"`
}

const name = "order-totals"

func main() {
	url := flag.String("postgres-url", "", "PostgreSQL URL (required)")
	flag.Parse()
	if *url == "" {
		log.Fatal("-postgres-url is required")
	}
	if err := run(context.Background(), *url); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, url string) error {
	store, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: url})
	if err != nil {
		return err
	}
	defer store.Close(ctx)
	db, err := pgxpool.New(ctx, url) // the application's own connection to its read model
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `CREATE TABLE IF NOT EXISTS order_totals_v1 (id text PRIMARY KEY, total bigint NOT NULL);
		CREATE TABLE IF NOT EXISTS order_totals_v2 (id text PRIMARY KEY, total bigint NOT NULL, items int NOT NULL)`); err != nil {
		return err
	}
	for i := range 500 {
		if err := addItem(ctx, store, i%50); err != nil {
			return err
		}
	}
	v1, err := store.RunProjection(ctx, projection(1, `INSERT INTO order_totals_v1 (id, total) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET total = order_totals_v1.total + EXCLUDED.total`))
	if err != nil {
		return err
	}
	if err := waitCaughtUp(ctx, store, 1); err != nil {
		return err
	}
	orders, sum, err := read(ctx, store, db)
	fmt.Printf("v1 live: %d orders, %d in total\n", orders, sum)
	if err != nil {
		return err
	}

	// Rebuild as v2 (an extra column) while writers keep appending.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var appended atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if addItem(ctx, store, i%60) == nil {
				appended.Add(1)
			}
		}
	}()
	v2, err := store.RunProjection(ctx, projection(2, `INSERT INTO order_totals_v2 (id, total, items) VALUES ($1, $2, 1)
		ON CONFLICT (id) DO UPDATE SET total = order_totals_v2.total + EXCLUDED.total, items = order_totals_v2.items + 1`))
	if err != nil {
		return err
	}
	defer v2.Close()
	servedByV1 := 0
	for {
		live, err := store.LiveProjectionVersion(ctx, name)
		if err != nil {
			return err
		}
		if live == 2 {
			break
		}
		if _, _, err := read(ctx, store, db); err != nil {
			return err
		}
		servedByV1++
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("v1 answered %d reads during the rebuild; reads switched to v2\n", servedByV1)
	stop.Store(true)
	wg.Wait()
	fmt.Printf("%d items were appended during the rebuild\n", appended.Load())
	if err := waitCaughtUp(ctx, store, 2); err != nil {
		return err
	}
	if err := compareWithFold(ctx, store, db); err != nil {
		return err
	}
	orders, sum, err = read(ctx, store, db)
	fmt.Printf("v2 live: %d orders, %d in total\n", orders, sum)
	if err != nil {
		return err
	}
	if err := v1.Close(); err != nil {
		return err
	}
	if err := store.DropProjection(ctx, name, 1); err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `DROP TABLE order_totals_v1`); err != nil {
		return err
	}
	fmt.Println("v1 dropped")
	return nil
}

// projection is version v of the read model, applying upsert per event.
func projection(v int, upsert string) actorstore.Projection {
	return actorstore.Projection{Name: name, Version: v, Filter: eventstore.CategoryFilter("order"),
		Partitions: 4, BatchSize: 100, PollInterval: 50 * time.Millisecond,
		Handle: func(ctx context.Context, tx actorstore.ProjectionTx, evs []actorstore.RecordedEvent) error {
			for _, e := range evs {
				var item ItemAdded
				if err := json.Unmarshal(e.Data, &item); err != nil {
					return err
				}
				if _, err := tx.Postgres().Exec(ctx, upsert, e.Stream, item.Amount); err != nil {
					return err
				}
			}
			return nil
		}}
}

func addItem(ctx context.Context, store *actorstore.Store, order int) error {
	data, _ := json.Marshal(ItemAdded{Amount: rand.Int64N(100) + 1})
	_, err := store.Append(ctx, fmt.Sprintf("order-%d", order), eventstore.Any(),
		actorstore.EventData{ID: actorstore.NewEventID(), Type: "ItemAdded", ContentType: "application/json", Data: data})
	return err
}

// read answers "how many orders, what total" from the live version's table.
func read(ctx context.Context, store *actorstore.Store, db *pgxpool.Pool) (orders, sum int64, err error) {
	v, err := store.LiveProjectionVersion(ctx, name)
	if err != nil {
		return 0, 0, err
	}
	err = db.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), coalesce(sum(total), 0) FROM order_totals_v%d`, v)).Scan(&orders, &sum)
	return orders, sum, err
}

func waitCaughtUp(ctx context.Context, store *actorstore.Store, version int) error {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		st, err := store.ProjectionStatus(ctx, name)
		if err != nil {
			return err
		}
		for _, s := range st {
			if s.Version == version && s.Position >= s.Head {
				return nil
			}
		}
	}
	return fmt.Errorf("v%d did not catch up", version)
}

// compareWithFold checks v2's table against a fold of every event.
func compareWithFold(ctx context.Context, store *actorstore.Store, db *pgxpool.Pool) error {
	type row struct{ total, items int64 }
	fold := map[string]row{}
	var from uint64 = 1
	n := 0
	for {
		evs, err := store.ReadAll(ctx, actorstore.AllRead{From: from, Limit: 1000, Filter: eventstore.CategoryFilter("order")})
		if err != nil {
			return err
		}
		for _, e := range evs {
			var item ItemAdded
			if err := json.Unmarshal(e.Data, &item); err != nil {
				return err
			}
			r := fold[e.Stream]
			fold[e.Stream] = row{r.total + item.Amount, r.items + 1}
			from, n = e.Position+1, n+1
		}
		if len(evs) < 1000 {
			break
		}
	}
	rows, err := db.Query(ctx, `SELECT id, total, items FROM order_totals_v2`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id string
		var r row
		if err := rows.Scan(&id, &r.total, &r.items); err != nil {
			return err
		}
		if fold[id] != r {
			return fmt.Errorf("v2 row %s = %+v, fold %+v", id, r, fold[id])
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen != len(fold) {
		return errors.New("v2 lacks orders of the fold")
	}
	fmt.Printf("v2 equals the fold of all %d events (%d orders)\n", n, len(fold))
	return nil
}
