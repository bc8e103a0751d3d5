package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// costStreams is the batch of the stream actors under 256 writers: one
// event each for 256 streams.
const costStreams = 256

// costVariant is one table and one statement of BenchmarkWritePathCosts.
type costVariant struct {
	name string
	ddl  string // %s is the table name
	// heads: the statement also takes the counter and moves a head row per
	// stream (the fast append's compare-and-set), as the store does.
	heads bool
	// metadata: "" (none, as the bench writers), "jsonb" or "bytea".
	metadata string
	// notify: the statement also calls pg_notify and actorstore_fence, and
	// the transaction sets lock_timeout, as the fast append does.
	notify bool
}

const costTable = `CREATE TABLE %s (position bigint PRIMARY KEY, stream_id text COLLATE "C" NOT NULL,
  version bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL, schema_version bigint NOT NULL,
  content_type text NOT NULL, data bytea NOT NULL, metadata %s, created_at timestamptz NOT NULL)`

// costVariants go from the bare table to the store's statement. The
// difference between two neighbours is what one index or one part of the
// statement costs.
func costVariants() []costVariant {
	idx := func(parts ...string) string {
		s := ""
		for _, p := range parts {
			switch p {
			case "sv":
				s += "; CREATE UNIQUE INDEX ON %[1]s (stream_id, version)"
			case "id":
				s += "; CREATE UNIQUE INDEX ON %[1]s (event_id)"
			case "tp":
				s += "; CREATE INDEX ON %[1]s (type, position)"
			}
		}
		return s
	}
	return []costVariant{
		{name: "pkey", ddl: idx()},
		{name: "pkey+stream_version", ddl: idx("sv")},
		{name: "pkey+stream_version+event_id", ddl: idx("sv", "id")},
		{name: "pkey+stream_version+type_position", ddl: idx("sv", "tp")},
		{name: "all4", ddl: idx("sv", "id", "tp")},
		{name: "all4+heads", ddl: idx("sv", "id", "tp"), heads: true},
		{name: "all4+heads+notify+fence", ddl: idx("sv", "id", "tp"), heads: true, notify: true},
		{name: "all4+heads+meta-jsonb", ddl: idx("sv", "id", "tp"), heads: true, metadata: "jsonb"},
		{name: "all4+heads+meta-bytea", ddl: idx("sv", "id", "tp"), heads: true, metadata: "bytea"},
	}
}

// costInsert is the statement of a variant: the insert of the fast append
// (unnest with ordinality), with or without its counter and head CTEs.
func costInsert(table string, v costVariant) string {
	meta := "NULL"
	switch v.metadata {
	case "jsonb":
		meta = "u.m::jsonb"
	case "bytea":
		meta = "u.m::bytea"
	}
	ins := fmt.Sprintf(`INSERT INTO %s (position, stream_id, version, event_id, type, schema_version,
  content_type, data, metadata, created_at)
SELECT g.base + u.ord, u.s, u.v, u.id, 'Deposited', 0, 'application/json', u.d, %s, now()
FROM g, unnest($2::text[], $3::bigint[], $4::uuid[], $5::bytea[], $6::text[]) WITH ORDINALITY AS u(s, v, id, d, m, ord)`,
		table, meta)
	if !v.heads {
		return "WITH g AS (SELECT $1::bigint AS base) " + ins
	}
	notify := ""
	if v.notify {
		notify = `, pg_notify('bench_costs', (g.base + 1)::text), actorstore_fence((SELECT count(*) FROM h) = cardinality($2::text[]))`
	}
	return fmt.Sprintf(`WITH g AS (
  UPDATE %[1]s_counter SET position = position + cardinality($2::text[]) RETURNING position - cardinality($2::text[]) AS base
), h AS (
  UPDATE %[1]s_heads SET version = x.v, last_position = g.base + x.ord
  FROM g, unnest($2::text[], $3::bigint[]) WITH ORDINALITY AS x(s, v, ord)
  WHERE %[1]s_heads.stream_id = x.s AND %[1]s_heads.version = x.v - 1
  RETURNING 1
), e AS (%[2]s)
SELECT (SELECT count(*) FROM h) = cardinality($2::text[]) AND $1::bigint >= 0%[3]s FROM g`, table, ins, notify)
}

// BenchmarkWritePathCosts measures what each index and each part of the
// fast append's statement costs: in every iteration it commits one batch
// of the stream actors' shape (256 streams, one event each, 200 bytes)
// into each variant's table, BEGIN, the statement and COMMIT in one round
// trip as the store does, and the store's own AppendBatch (all Exact, so
// the fast append). Variants alternate inside an iteration, so load from
// elsewhere hits all alike. It reports ms per batch and, per variant, the
// ratio to the store's four-index table without heads (x-all4: above 1
// costs more).
//
//	go test -run '^$' -bench WritePathCosts -benchtime 400x ./persistence/postgres
func BenchmarkWritePathCosts(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	variants := costVariants()
	streams := make([]string, costStreams)
	for i := range streams {
		streams[i] = fmt.Sprintf("acct-%03d", i)
	}
	for i, v := range variants {
		t := fmt.Sprintf("wc_%d", i)
		col := "jsonb"
		if v.metadata == "bytea" {
			col = "bytea"
		}
		ddl := fmt.Sprintf(costTable, t, col)
		if v.ddl != "" {
			ddl += fmt.Sprintf(v.ddl, t)
		}
		if v.heads {
			ddl += fmt.Sprintf(`; CREATE TABLE %[1]s_counter (id boolean PRIMARY KEY, position bigint NOT NULL);
				INSERT INTO %[1]s_counter VALUES (true, 0);
				CREATE TABLE %[1]s_heads (stream_id text COLLATE "C" PRIMARY KEY, version bigint NOT NULL,
				  last_position bigint NOT NULL)`, t)
		}
		if _, err := conn.Exec(ctx, ddl); err != nil {
			b.Fatal(err)
		}
		if v.heads {
			if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO %s_heads SELECT unnest($1::text[]), 0, 0`, t),
				streams); err != nil {
				b.Fatal(err)
			}
		}
	}
	// The fast append, and the locking append with COPY (threshold 1), each
	// on streams of their own.
	stores := []*postgres.Store{openStore(b, url, postgres.Config{}), openStore(b, url, postgres.Config{CopyThreshold: 1})}
	storeNames := []string{"store-fast", "store-copy"}
	data := []byte(`{"amount":1234,"currency":"EUR","note":"` + strings.Repeat("x", 150) + `"}`)
	meta := `{"corr":"c-123456","src":"bench"}`
	took := make([]time.Duration, len(variants)+len(stores))
	var pos int64
	for it := 0; b.Loop(); it++ {
		version := int64(it + 1)
		vs, ids, ds, ms := make([]int64, costStreams), make([]uuid.UUID, costStreams), make([][]byte, costStreams),
			make([]string, costStreams)
		for i := range vs {
			vs[i], ids[i], ds[i], ms[i] = version, uuid.New(), data, meta
		}
		for i, v := range variants {
			for j := range ids {
				ids[j] = uuid.New()
			}
			bt := &pgx.Batch{}
			bt.Queue("BEGIN")
			if v.notify {
				bt.Queue("SET LOCAL lock_timeout = '50ms'")
			}
			bt.Queue(costInsert(fmt.Sprintf("wc_%d", i), v), pos, streams, vs, ids, ds, ms)
			bt.Queue("COMMIT")
			t0 := time.Now()
			if err := conn.SendBatch(ctx, bt).Close(); err != nil {
				b.Fatalf("%s: %v", v.name, err)
			}
			took[i] += time.Since(t0)
		}
		pos += costStreams
		for k, st := range stores {
			reqs := make([]eventstore.AppendRequest, costStreams)
			for i := range reqs {
				reqs[i] = eventstore.AppendRequest{Stream: storeNames[k] + "-" + streams[i],
					Expected: eventstore.Exact(uint64(version - 1)),
					Events:   []eventstore.EventData{{ID: uuid.New(), Type: "Deposited", Data: data}}}
			}
			t0 := time.Now()
			res, err := st.AppendBatch(ctx, reqs)
			if err != nil {
				b.Fatal(err)
			}
			took[len(variants)+k] += time.Since(t0)
			for i := range res {
				if res[i].Err != nil {
					b.Fatal(res[i].Err)
				}
			}
		}
	}
	n := float64(b.N)
	names := make([]string, 0, len(variants)+1)
	for _, v := range variants {
		names = append(names, v.name)
	}
	names = append(names, storeNames...)
	var all4 time.Duration
	for i, name := range names {
		if name == "all4" {
			all4 = took[i]
		}
	}
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	sort.Ints(order)
	for _, i := range order {
		b.ReportMetric(took[i].Seconds()*1000/n, names[i]+"-ms/batch")
		if all4 > 0 {
			b.ReportMetric(took[i].Seconds()/all4.Seconds(), "x-all4:"+names[i])
		}
	}
	b.ReportMetric(0, "ns/op")
}

// BenchmarkFastVsCopy decides Config.CopyThreshold: for batches of the
// stream actors' shape (one event for each of n streams) and of 100
// streams with 10 events each, it appends the same batch shape with the
// fast append (a store whose threshold is above the batch) and with the
// locking append and COPY (threshold 1), alternating in every iteration,
// and reports ms per batch and x-copy-vs-fast (below 1: COPY is faster).
//
//	go test -run '^$' -bench FastVsCopy -benchtime 100x ./persistence/postgres
func BenchmarkFastVsCopy(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	ctx := context.Background()
	fast := openStore(b, url, postgres.Config{CopyThreshold: 1 << 20})
	slow := openStore(b, url, postgres.Config{CopyThreshold: 1})
	data := []byte(`{"amount":1234,"currency":"EUR","note":"` + strings.Repeat("x", 150) + `"}`)
	for _, shape := range []struct{ streams, events int }{{128, 1}, {256, 1}, {512, 1}, {1000, 1}, {100, 10}} {
		b.Run(fmt.Sprintf("%dx%d", shape.streams, shape.events), func(b *testing.B) {
			var took [2]time.Duration
			for it := 0; b.Loop(); it++ {
				for k, st := range []*postgres.Store{fast, slow} {
					reqs := make([]eventstore.AppendRequest, shape.streams)
					for i := range reqs {
						evs := make([]eventstore.EventData, shape.events)
						for j := range evs {
							evs[j] = eventstore.EventData{ID: uuid.New(), Type: "Deposited", Data: data}
						}
						reqs[i] = eventstore.AppendRequest{Stream: fmt.Sprintf("fc-%d-%d-%dx%d-%d", k, it, shape.streams,
							shape.events, i), Expected: eventstore.NoStream(), Events: evs}
					}
					t0 := time.Now()
					if _, err := st.AppendBatch(ctx, reqs); err != nil {
						b.Fatal(err)
					}
					took[k] += time.Since(t0)
				}
			}
			n := float64(b.N)
			b.ReportMetric(took[0].Seconds()*1000/n, "fast-ms/batch")
			b.ReportMetric(took[1].Seconds()*1000/n, "copy-ms/batch")
			b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "x-copy-vs-fast")
			b.ReportMetric(0, "ns/op")
		})
	}
}
