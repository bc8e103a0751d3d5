package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// catchUpEvents are the events BenchmarkCatchUpPage reads over and over.
const catchUpEvents = 100_000

// BenchmarkCatchUpPage reads pages of 1,000 events of the global order
// (the bench's catch-up scenario without the runtime above the store),
// beside raw pgx reads of the same rows that only step through them,
// with and without the deletion and retention check (ADR 0030). The
// "retention row" cases run after one unrelated stream got metadata, so
// that ReadAll takes its checking branch.
func BenchmarkCatchUpPage(b *testing.B) {
	ctx := context.Background()
	url := pgtest.Server(b).NewDatabase(b)
	s := openStore(b, url, postgres.Config{})
	for round := range catchUpEvents / benchEvents {
		if _, err := s.AppendBatch(ctx, benchBatch(round)); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	const cols = `position, stream_id, version, event_id, type, schema_version, content_type, data, metadata, created_at`
	const check = ` AND NOT EXISTS (SELECT 1 FROM stream_retention r WHERE r.stream_id = events.stream_id AND (
  events.version <= r.through OR events.version < r.truncate_before
  OR (r.max_count > 0 AND events.version <= (SELECT s.version FROM streams s WHERE s.stream_id = r.stream_id) - r.max_count)
  OR (r.max_age_ms > 0 AND events.created_at < now() - r.max_age_ms * interval '1 millisecond')))`
	drain := func(q string) func(from uint64) int {
		return func(from uint64) int {
			rows, err := pool.Query(ctx, q, int64(from), 1000)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	store := func(from uint64) int {
		evs, err := s.ReadAll(ctx, eventstore.AllRead{From: from, Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		return len(evs)
	}
	run := func(name string, read func(uint64) int) {
		b.Run(name, func(b *testing.B) {
			n, from := 0, uint64(1)
			for b.Loop() {
				k := read(from)
				n, from = n+k, from+1000
				if k < 1000 {
					from = 1
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
	run("raw/no-check", drain(`SELECT `+cols+` FROM events WHERE position >= $1 ORDER BY position LIMIT $2`))
	run("raw/check", drain(`SELECT `+cols+` FROM events WHERE position >= $1`+check+` ORDER BY position LIMIT $2`))
	run("ReadAll", store)
	if _, err := s.SetStreamMetadata(ctx, eventstore.MetadataRequest{Stream: "elsewhere", Expected: eventstore.Any(),
		Metadata: eventstore.StreamMetadata{MaxCount: 10}}); err != nil {
		b.Fatal(err)
	}
	run("retention-row/raw/check", drain(`SELECT `+cols+` FROM events WHERE position >= $1`+check+` ORDER BY position LIMIT $2`))
	run("retention-row/ReadAll", store)
}
