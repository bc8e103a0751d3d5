package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// oneVariant is one way of committing one event of BenchmarkWritePathCostsOne.
type oneVariant struct {
	name string
	// stmt is the statement (the fast append's with one part removed).
	stmt string
	// set: SET LOCAL lock_timeout as its own batch entry, as the store did
	// before session 6 (oneSetLocal).
	set bool
	// tx: BEGIN and COMMIT around the statement (else autocommit).
	tx bool
	// pre is a statement sent after BEGIN (a SET LOCAL).
	pre string
	// defaults: on a second connection that has the append pool's session
	// defaults (lock_timeout, plan_cache_mode), as the store's appends
	// since ADR 0031.
	defaults bool
	// args gives the statement's arguments for stream s at version v
	// (expected v-1), event id id.
	args func(s string, v int64, id uuid.UUID) []any
}

// oneData is the event of the bench writers: 200 bytes, no metadata.
var oneData = []byte(`{"amount":1234,"currency":"EUR","note":"` + strings.Repeat("x", 150) + `"}`)

// fastArgs are the fast append's 15 arguments for one event.
func fastArgs(s string, v int64, id uuid.UUID) []any {
	var meta *string
	return []any{int64(1), []string{s}, []int64{v}, []uuid.UUID{id}, []string{"Deposited"}, []int64{0},
		[]string{"application/json"}, [][]byte{oneData}, []*string{meta}, []string{s}, []int64{v - 1},
		[]int64{v}, []int64{1}, "bench_one", int64(1)}
}

// must replaces old by new in s and panics when old is not there, so a
// variant never silently equals the full statement.
func must(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("bench_one: statement has no " + old)
	}
	return strings.Replace(s, old, new, 1)
}

// oneScalar is the fast append for one event of an existing stream with
// scalar parameters instead of arrays (no unnest).
const oneScalar = `WITH g AS (
  UPDATE global_position SET position = position + 1 RETURNING position - 1 AS base
), h AS (
  UPDATE streams SET version = $2, last_position = g.base + 1
  FROM g WHERE streams.stream_id = $1 AND streams.version = $3 AND NOT streams.tombstone
  RETURNING 1
), e AS (
  INSERT INTO events (position, stream_id, version, event_id, type, schema_version,
                      content_type, data, metadata, created_at)
  SELECT g.base + 1, $1, $2, $4, $5, $6, $7, $8, $9::jsonb, now() FROM g
)
SELECT g.base, pg_notify($10, (g.base + 1)::text), actorstore_fence((SELECT count(*) FROM h) = 1)
FROM g`

func scalarArgs(s string, v int64, id uuid.UUID) []any {
	var meta *string
	return []any{s, v, v - 1, id, "Deposited", int64(0), "application/json", oneData, meta, "bench_one"}
}

// oneArgs are sqlFastOne's arguments for one event of stream s at
// version v.
func oneArgs(s string, v int64, id uuid.UUID) []any {
	var meta *string
	return []any{s, v - 1, v, id, "Deposited", int64(0), "application/json", oneData, meta, "bench_one"}
}

// oneRaw is the raw baseline: one INSERT of one event into a table of the
// events table's shape and indexes, positions given by the caller.
const oneRaw = `INSERT INTO raw_events (position, stream_id, version, event_id, type, schema_version,
  content_type, data, metadata, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, now())`

// oneSetLocal is the fast append's lock timeout as it was sent before
// session 6: its own statement, the plan cache mode left at its default.
const oneSetLocal = `SET LOCAL lock_timeout = '50ms'`

// oneVariants go from the store's statement to the raw INSERT, removing
// one part each.
func oneVariants() []oneVariant {
	full := postgres.FastWrite
	return []oneVariant{
		{name: "store-stmt-before", stmt: full, set: true, tx: true, args: fastArgs},
		{name: "store-stmt-s7", stmt: full, tx: true, pre: postgres.FastSettings, args: fastArgs},
		{name: "multi-conn-defaults", stmt: full, tx: true, defaults: true, args: fastArgs},
		{name: "one-stmt", stmt: postgres.FastOne, defaults: true, args: oneArgs},
		{name: "one-stmt-in-tx", stmt: postgres.FastOne, tx: true, defaults: true, args: oneArgs},
		{name: "one-stmt-no-notify", stmt: must(postgres.FastOne, "pg_notify($10, (g.base + 1)::text)", "$10::text"),
			defaults: true, args: oneArgs},
		{name: "no-set-local", stmt: full, tx: true, args: fastArgs},
		{name: "no-notify", stmt: must(full, "pg_notify($14, (g.base + $1::bigint)::text)", "$14::text"),
			set: true, tx: true, args: fastArgs},
		{name: "no-fence", stmt: must(full, "actorstore_fence(", "("), set: true, tx: true, args: fastArgs},
		{name: "no-notify-no-fence", stmt: must(must(full, "pg_notify($14, (g.base + $1::bigint)::text)", "$14::text"),
			"actorstore_fence(", "("), set: true, tx: true, args: fastArgs},
		{name: "no-jsonb-cast", stmt: must(full, "u.metadata::jsonb", "NULL::jsonb"), set: true, tx: true, args: fastArgs},
		{name: "scalar-params", stmt: oneScalar, set: true, tx: true, args: scalarArgs},
		{name: "scalar-autocommit", stmt: oneScalar, args: scalarArgs},
		{name: "custom-plan", stmt: full, set: true, tx: true, pre: "SET LOCAL plan_cache_mode = force_custom_plan", args: fastArgs},
		{name: "generic-plan", stmt: full, set: true, tx: true, pre: "SET LOCAL plan_cache_mode = force_generic_plan", args: fastArgs},
		{name: "no-new-stream-cte", stmt: must(must(full, "(SELECT count(*) FROM h) + (SELECT count(*) FROM n)", "(SELECT count(*) FROM h)"),
			"), n AS (\n  INSERT INTO streams (stream_id, version, last_position)\n  SELECT x.stream_id, x.version, g.base + x.last_ord FROM g, x WHERE x.expected = 0\n  RETURNING 1\n", ""),
			set: true, tx: true, args: fastArgs},
		{name: "stmt-autocommit", stmt: full, args: fastArgs},
	}
}

// BenchmarkWritePathCostsOne measures where the single writer's commit
// goes: in every iteration it commits one event to one existing stream
// (Exact, as the stream actor's flush of one append) with each variant of
// the fast append's statement, each on a stream of its own, one after the
// other on one connection, plus the raw autocommit INSERT (the bench's
// single-writer baseline), the raw INSERT without the counter and head
// (no-counter-no-head: the events insert inside BEGIN/COMMIT) and the
// store's own AppendBatch of one request. It reports µs per commit of
// each and the ratio to the raw INSERT (x-raw).
//
//	go test -run '^$' -bench WritePathCostsOne -benchtime 2000x ./persistence/postgres
func BenchmarkWritePathCostsOne(b *testing.B) {
	url := pgtest.Server(b).NewDatabase(b)
	ctx := context.Background()
	st := openStore(b, url, postgres.Config{})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	dconn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer dconn.Close(ctx)
	if _, err := dconn.Exec(ctx, postgres.AppendConnDefaults); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE raw_events (LIKE events INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	variants := oneVariants()
	for _, v := range variants {
		if _, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "one-" + v.name,
			Expected: eventstore.NoStream(), Events: []eventstore.EventData{{ID: uuid.New(), Type: "Deposited", Data: oneData}}}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "one-store",
		Expected: eventstore.NoStream(), Events: []eventstore.EventData{{ID: uuid.New(), Type: "Deposited", Data: oneData}}}}); err != nil {
		b.Fatal(err)
	}
	names := make([]string, 0, len(variants)+3)
	for _, v := range variants {
		names = append(names, v.name)
	}
	names = append(names, "raw-autocommit", "raw-in-tx", "store-append")
	took := make([]time.Duration, len(names))
	for it := 0; b.Loop(); it++ {
		version := int64(it + 2)
		for i, v := range variants {
			bt := &pgx.Batch{}
			if v.tx {
				bt.Queue("BEGIN")
			}
			if v.set {
				bt.Queue(oneSetLocal)
			}
			if v.pre != "" {
				bt.Queue(v.pre)
			}
			bt.Queue(v.stmt, v.args("one-"+v.name, version, uuid.New())...)
			if v.tx {
				bt.Queue("COMMIT")
			}
			c := conn
			if v.defaults {
				c = dconn
			}
			if i == 0 || v.defaults != variants[i-1].defaults {
				// Wake the connection's backend, idle while the other
				// connection ran, outside the timing: else the first
				// variant after a switch pays for it.
				if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
					b.Fatal(err)
				}
			}
			t0 := time.Now()
			if err := c.SendBatch(ctx, bt).Close(); err != nil {
				b.Fatalf("%s: %v", v.name, err)
			}
			took[i] += time.Since(t0)
		}
		k := len(variants)
		var meta *string
		t0 := time.Now()
		if _, err := conn.Exec(ctx, oneRaw, int64(2*it), "raw", version, uuid.New(), "Deposited", int64(0),
			"application/json", oneData, meta); err != nil {
			b.Fatal(err)
		}
		took[k] += time.Since(t0)
		bt := &pgx.Batch{}
		bt.Queue("BEGIN")
		bt.Queue(oneRaw, int64(2*it+1), "raw-tx", version, uuid.New(), "Deposited", int64(0),
			"application/json", oneData, meta)
		bt.Queue("COMMIT")
		t0 = time.Now()
		if err := conn.SendBatch(ctx, bt).Close(); err != nil {
			b.Fatal(err)
		}
		took[k+1] += time.Since(t0)
		t0 = time.Now()
		res, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "one-store",
			Expected: eventstore.Exact(uint64(version - 1)),
			Events:   []eventstore.EventData{{ID: uuid.New(), Type: "Deposited", Data: oneData}}}})
		if err == nil {
			err = res[0].Err
		}
		if err != nil {
			b.Fatal(err)
		}
		took[k+2] += time.Since(t0)
	}
	n := float64(b.N)
	raw := took[len(variants)]
	for i, name := range names {
		b.ReportMetric(took[i].Seconds()*1e6/n, name+"-µs")
		b.ReportMetric(took[i].Seconds()/raw.Seconds(), "x-raw:"+name)
	}
	b.ReportMetric(0, "ns/op")
}
