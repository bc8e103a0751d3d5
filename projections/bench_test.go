package projections

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// benchEventsEnv sets the events each benchmark iteration projects
// (default 100000; 1000000 for the rebuild-rate figure).
const benchEventsEnv = "ACTORSTORE_PROJECTION_BENCH_EVENTS"

// BenchmarkProjectionPostgres measures projection throughput into a
// PostgreSQL table with one upsert per event (pipelined with pgx.Batch in
// the handler's transaction), over events already stored (a rebuild from
// 0): 1 and 4 partitions, batches of 500. "raw-upsert" is the baseline in
// the same run: the same upserts written straight with pgx in transactions
// of 500, with no reading and no checkpoint. Reported as events/s.
func BenchmarkProjectionPostgres(b *testing.B) {
	n := 100000
	if s := os.Getenv(benchEventsEnv); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("%s=%q", benchEventsEnv, s)
		}
		n = v
	}
	ctx := context.Background()
	url := pgtest.Server(b).NewDatabase(b)
	db, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := importEvents(ctx, db, n, 1000); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	// Freshly copied rows make their first reader write hint bits; vacuum
	// so that no sub-benchmark pays for it.
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE events"); err != nil {
		b.Fatal(err)
	}
	version := 0
	for _, parts := range []int{1, 4} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			for range b.N {
				version++
				table := fmt.Sprintf("bench_v%d", version)
				if _, err := pool.Exec(ctx, "CREATE TABLE "+table+" (k text PRIMARY KEY, n bigint NOT NULL)"); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				r, err := Run(ctx, db, Projection{Name: "bench", Version: version, Partitions: parts, BatchSize: 500,
					ManualPromote: true, Handle: pipelinedCounter(table)})
				if err != nil {
					b.Fatal(err)
				}
				waitCaughtUp(b, db, version, eventstore.Position(n))
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
				_ = r.Close()
			}
		})
	}
	b.Run("raw-upsert", func(b *testing.B) {
		for range b.N {
			version++
			table := fmt.Sprintf("bench_raw%d", version)
			if _, err := pool.Exec(ctx, "CREATE TABLE "+table+" (k text PRIMARY KEY, n bigint NOT NULL)"); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			for done := 0; done < n; done += 500 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					var batch pgx.Batch
					for j := done; j < min(n, done+500); j++ {
						batch.Queue("INSERT INTO "+table+" (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = "+table+".n + 1",
							fmt.Sprintf("s-%d", j%1000))
					}
					return tx.SendBatch(ctx, &batch).Close()
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
		}
	})
}

// pipelinedCounter is counter with the upserts sent as one pgx.Batch.
func pipelinedCounter(table string) TxHandler {
	q := "INSERT INTO " + table + " (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = " + table + ".n + 1"
	return func(ctx context.Context, tx Tx, evs []eventstore.RecordedEvent) error {
		var batch pgx.Batch
		for _, e := range evs {
			batch.Queue(q, e.Stream)
		}
		return tx.Postgres().SendBatch(ctx, &batch).Close()
	}
}

// importEvents stores n events over streams streams with the bulk path.
func importEvents(ctx context.Context, db *postgres.Store, n, streams int) error {
	versions := map[string]uint64{}
	now := time.Now().UTC()
	for pos := 1; pos <= n; {
		evs := make([]eventstore.RecordedEvent, 0, 5000)
		for ; pos <= n && len(evs) < 5000; pos++ {
			stream := fmt.Sprintf("s-%d", (pos-1)%streams)
			versions[stream]++
			evs = append(evs, eventstore.RecordedEvent{EventData: eventstore.EventData{ID: uuid.New(), Type: "inc",
				ContentType: "application/json", Data: []byte(`{}`)}, Stream: stream, Version: versions[stream],
				Position: eventstore.Position(pos), Created: now})
		}
		if err := db.Import(ctx, evs); err != nil {
			return err
		}
	}
	return nil
}

func waitCaughtUp(b *testing.B, db *postgres.Store, version int, head eventstore.Position) {
	for {
		st, err := StatusOf(context.Background(), db, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range st {
			if s.Version == version && s.Position >= head {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
}
