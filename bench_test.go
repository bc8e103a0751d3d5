package actorstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// benchPayload is a ~200-byte JSON event body, the size the targets in
// docs/benchmarks.md are stated for.
var benchPayload = []byte(`{"order":"5f1c2a7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f","customer":"c-123456",` +
	`"lines":[{"sku":"SKU-0001","qty":2,"price":1999},{"sku":"SKU-0002","qty":1,"price":4999}],` +
	`"currency":"EUR","note":"benchmark payload"}`)

// latencies gathers per-operation latencies from many goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// report adds events/s and latency percentiles to the benchmark's output.
func (l *latencies) report(b *testing.B, events int, elapsed time.Duration) {
	slices.Sort(l.all)
	pct := func(p float64) float64 {
		if len(l.all) == 0 {
			return 0
		}
		return float64(l.all[int(p*float64(len(l.all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // meaningless with hundreds of writers; events/s is the figure
}

// runWriters runs `writers` goroutines that together perform b.N calls of
// op (each goroutine gets its index), and reports throughput and latency.
// Each writer first calls op once untimed (warm-up: its stream actor is
// activated and its head loaded), so the figures are the steady state.
func runWriters(b *testing.B, writers int, op func(w, i int) error) {
	var warm sync.WaitGroup
	for w := 0; w < writers; w++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if err := op(w, -1); err != nil {
				b.Error(err)
			}
		}()
	}
	warm.Wait()
	var (
		next atomic.Int64
		lat  latencies
		wg   sync.WaitGroup
		fail atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/writers+1)
			for i := 0; next.Add(1) <= int64(b.N); i++ {
				t0 := time.Now()
				if err := op(w, i); err != nil {
					fail.Store(err)
					return
				}
				local = append(local, time.Since(t0))
			}
			lat.add(local)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := fail.Load().(error); err != nil {
		b.Fatal(err)
	}
	lat.report(b, b.N, elapsed)
}

// BenchmarkAppendOwnStreams: 256 writers, each appending single events to
// its own stream through the Go API, on PostgreSQL with synchronous commit
// on. The baselines in the same run: raw pgx with one INSERT transaction
// per event from 32 connections, and raw pgx group commit (one committer
// connection, 256 submitting goroutines; see benchRawGroupCommit). The
// group-commit figures (events/batch, commit-ms) show where the time goes.
func BenchmarkAppendOwnStreams(b *testing.B) {
	srv := pgtest.Server(b)
	b.Run("actorstore-256-writers", func(b *testing.B) {
		benchOwnStreams(b, benchStore(b, actorstore.Config{PostgresURL: srv.NewDatabase(b)}))
	})
	b.Run("raw-pgx-tx-per-event-32-conns", func(b *testing.B) {
		pool := rawPool(b, srv.NewDatabase(b), 32)
		runWriters(b, 32, func(w, i int) error {
			_, err := pool.Exec(context.Background(),
				`INSERT INTO raw_events (stream_id, version, event_id, type, data) VALUES ($1, $2, $3, $4, $5)`,
				fmt.Sprintf("raw-%d", w), i+2, uuid.New(), "OrderPlaced", benchPayload)
			return err
		})
	})
	b.Run("raw-pgx-group-commit-256", func(b *testing.B) {
		benchRawGroupCommit(b, srv.NewDatabase(b))
	})
}

// benchRawGroupCommit is the database limit for the same load, with
// nothing of actorstore: 256 goroutines each submit single-event requests
// to one committer goroutine, which takes every request waiting, inserts
// them with one multi-row INSERT (unnest) into a table shaped like events
// (same columns, same four indexes), BEGIN, INSERT and COMMIT in one round
// trip on one connection, then answers them; the next batch starts as soon
// as the commit returns.
func benchRawGroupCommit(b *testing.B, url string) {
	pool := rawPool(b, url, 1)
	_, err := pool.Exec(context.Background(), `CREATE TABLE raw_gc_events (
		position bigint PRIMARY KEY, stream_id text COLLATE "C" NOT NULL, version bigint NOT NULL,
		event_id uuid NOT NULL, type text NOT NULL, schema_version bigint NOT NULL,
		content_type text NOT NULL, data bytea NOT NULL, metadata jsonb, created_at timestamptz NOT NULL,
		UNIQUE (stream_id, version));
		CREATE UNIQUE INDEX ON raw_gc_events (event_id);
		CREATE INDEX ON raw_gc_events (type, position)`)
	if err != nil {
		b.Fatal(err)
	}
	reqs := make(chan rawReq, 256)
	stop := make(chan struct{})
	committerDone := make(chan struct{})
	go func() {
		defer close(committerDone)
		rawCommitter(b, pool, reqs, stop)
	}()
	defer func() { close(stop); <-committerDone }()
	prefix := uuid.NewString()[:8]
	versions := make([]int64, 256)
	runWriters(b, 256, func(w, _ int) error {
		versions[w]++
		done := make(chan error, 1)
		reqs <- rawReq{stream: fmt.Sprintf("%s-%d", prefix, w), version: versions[w], id: uuid.New(), done: done}
		return <-done
	})
}

type rawReq struct {
	stream  string
	version int64
	id      uuid.UUID
	done    chan error
}

// rawCommitter group-commits the requests of reqs until stop is closed,
// then reports the mean batch size and commit time.
func rawCommitter(b *testing.B, pool *pgxpool.Pool, reqs <-chan rawReq, stop <-chan struct{}) {
	const sqlInsert = `INSERT INTO raw_gc_events (position, stream_id, version, event_id, type,
		schema_version, content_type, data, created_at)
	SELECT $1::bigint + u.ord, u.s, u.v, u.id, u.t, 1, 'application/json', u.d, now()
	FROM unnest($2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::bytea[])
	     WITH ORDINALITY AS u(s, v, id, t, d, ord)`
	var (
		position, batches int64
		commitTime        time.Duration
	)
	defer func() { reportBatches(b, position, batches, commitTime) }()
	for {
		var batch []rawReq
		select {
		case r := <-reqs:
			batch = append(batch, r)
		case <-stop:
			return
		}
	more:
		for len(batch) < 2000 {
			select {
			case r := <-reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		streams, types := make([]string, len(batch)), make([]string, len(batch))
		versions, ids, data := make([]int64, len(batch)), make([]uuid.UUID, len(batch)), make([][]byte, len(batch))
		for i, r := range batch {
			streams[i], versions[i], ids[i], types[i], data[i] = r.stream, r.version, r.id, "OrderPlaced", benchPayload
		}
		bt := &pgx.Batch{}
		bt.Queue("BEGIN")
		bt.Queue(sqlInsert, position, streams, versions, ids, types, data)
		bt.Queue("COMMIT")
		t0 := time.Now()
		err := pool.SendBatch(context.Background(), bt).Close()
		commitTime += time.Since(t0)
		if err == nil {
			position += int64(len(batch))
			batches++
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

// reportBatches reports the mean group-commit size and commit time.
func reportBatches(b *testing.B, events, batches int64, commitTime time.Duration) {
	if batches > 0 {
		b.ReportMetric(float64(events)/float64(batches), "events/batch")
		b.ReportMetric(float64(commitTime.Microseconds())/1000/float64(batches), "commit-ms")
	}
}

// benchOwnStreams has 256 writers append single events, each to its own
// stream with its exact expected version.
func benchOwnStreams(b *testing.B, st *actorstore.Store) {
	versions := make([]uint64, 256)
	prefix := uuid.NewString()[:8]
	before := st.Stats()
	runWriters(b, 256, func(w, _ int) error {
		_, err := st.Append(context.Background(), fmt.Sprintf("%s-%d", prefix, w),
			actorstore.Exact(versions[w]), actorstore.EventData{ID: uuid.New(), Type: "OrderPlaced", Data: benchPayload})
		versions[w]++
		return err
	})
	after := st.Stats()
	if n := after.Batches - before.Batches; n > 0 {
		reportBatches(b, after.BatchedEvents-before.BatchedEvents, n, after.CommitTime-before.CommitTime)
	}
}

// BenchmarkAppendHotStream: 64 writers appending single events to one
// stream with expected version Any.
func BenchmarkAppendHotStream(b *testing.B) {
	st := benchStore(b, actorstore.Config{PostgresURL: pgtest.Server(b).NewDatabase(b)})
	stream := "hot-" + uuid.NewString()[:8]
	runWriters(b, 64, func(int, int) error {
		_, err := st.Append(context.Background(), stream, actorstore.Any(),
			actorstore.EventData{ID: uuid.New(), Type: "Tick", Data: benchPayload})
		return err
	})
}

func benchStore(b *testing.B, cfg actorstore.Config) *actorstore.Store {
	b.Helper()
	st, eng, err := actorstore.OpenEngine(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	engines.Store(st, eng)
	b.Cleanup(func() { st.Close(context.Background()) })
	return st
}

func rawPool(b *testing.B, url string, conns int32) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = conns, conns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	_, err = pool.Exec(context.Background(), `CREATE TABLE raw_events (
		position bigserial PRIMARY KEY, stream_id text NOT NULL, version bigint NOT NULL,
		event_id uuid NOT NULL UNIQUE, type text NOT NULL, data bytea NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, version))`)
	if err != nil {
		b.Fatal(err)
	}
	return pool
}
