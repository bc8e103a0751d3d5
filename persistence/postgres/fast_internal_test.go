package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
)

// TestFastAppendCommitsOrRefusesWholly: the one-statement append commits
// an eligible batch (new and existing streams) in one go, and refuses a
// batch holding one stale head or one stored event ID as a whole: nothing
// of it is written and no position is used, so AppendBatch can take the
// locking way, which then answers each request.
func TestFastAppendCommitsOrRefusesWholly(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, pgtest.Server(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fast := func(reqs ...eventstore.AppendRequest) ([]eventstore.AppendResult, bool) {
		t.Helper()
		plan := newAppendPlan(reqs)
		if !fastEligible(plan) {
			t.Fatal("batch not eligible")
		}
		var (
			res []eventstore.AppendResult
			ok  bool
		)
		if err := s.withConn(ctx, func(conn *pgxpool.Conn) (err error) {
			res, ok, err = appendFast(ctx, conn, plan, s.cfg.NotifyChannel)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ok != (plan.sent != nil && len(plan.sent) == len(reqs)) {
			t.Errorf("ok=%v but %d of %d requests marked sent", ok, len(plan.sent), len(reqs))
		}
		return res, ok
	}
	req := func(stream string, expected eventstore.Version, ids ...uuid.UUID) eventstore.AppendRequest {
		return eventstore.AppendRequest{Stream: stream, Expected: eventstore.Exact(expected), Events: events(ids...)}
	}
	a1, a2, b1 := uuid.New(), uuid.New(), uuid.New()
	res, ok := fast(req("a", 0, a1, a2), req("b", 0, b1))
	if !ok || res[0].LastVersion != 2 || res[0].LastPosition != 2 || res[1].FirstPosition != 3 {
		t.Fatalf("first batch: ok=%v %+v", ok, res)
	}
	res, ok = fast(req("a", 2, uuid.New()), req("b", 1, uuid.New()))
	if !ok || res[0].FirstVersion != 3 || res[0].FirstPosition != 4 || res[1].LastPosition != 5 {
		t.Fatalf("second batch: ok=%v %+v", ok, res)
	}
	for name, batch := range map[string][]eventstore.AppendRequest{
		"stale head":       {req("a", 2, uuid.New()), req("c", 0, uuid.New())},
		"head ahead":       {req("b", 9, uuid.New()), req("c", 0, uuid.New())},
		"existing as new":  {req("a", 0, uuid.New()), req("c", 0, uuid.New())},
		"stored event ID":  {req("b", 2, b1), req("c", 0, uuid.New())},
		"missing stream":   {req("zz", 4, uuid.New()), req("c", 0, uuid.New())},
		"duplicate in one": {req("c", 0, uuid.New()), req("d", 0, a1)},
	} {
		if _, ok := fast(batch...); ok {
			t.Errorf("%s: fast append committed", name)
		}
		last, err := s.LastPosition(ctx)
		if err != nil || last != 5 {
			t.Errorf("%s: last position %d (%v), want 5: the refused batch used positions", name, last, err)
		}
		if h, err := s.Head(ctx, "c"); err != nil || h.Version != 0 {
			t.Errorf("%s: stream c has version %d (%v), want nothing written", name, h.Version, err)
		}
	}
	// The locking way answers the refused batch per request.
	got, err := s.AppendBatch(ctx, []eventstore.AppendRequest{req("a", 2, uuid.New()), req("c", 0, uuid.New())})
	if err != nil || got[0].Err == nil || got[1].Err != nil || got[1].FirstPosition != 6 {
		t.Fatalf("AppendBatch after refusal: %v %+v", err, got)
	}
}

// TestMigrationFromVersion1: a database created by migration 1 only (the
// schema before the fast append) migrates on Open and appends the fast way.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Server(t).NewDatabase(t)
	s, err := New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "old", Expected: eventstore.NoStream(),
		Events: events(uuid.New())}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `DROP FUNCTION actorstore_fence(boolean); DROP TABLE actorstore_leases;
		DELETE FROM schema_migrations WHERE version >= 2`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = New(ctx, url)
	if err != nil {
		t.Fatalf("Open on a version-1 database: %v", err)
	}
	defer s.Close()
	var fn int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_proc WHERE proname = 'actorstore_fence'`).Scan(&fn); err != nil || fn != 1 {
		t.Fatalf("fence function after migration: %d %v", fn, err)
	}
	res, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "old", Expected: eventstore.Exact(1),
		Events: events(uuid.New())}})
	if err != nil || res[0].Err != nil || res[0].LastVersion != 2 || res[0].LastPosition != 2 {
		t.Fatalf("append after migration: %v %+v", err, res)
	}
}

// TestActorGroupCommitsTakeTheFastAppend: with the default configuration
// a group commit of the stream actors up to their largest (2,000 events,
// streams.DefaultMaxBatchEvents) tries the one-statement append, measured
// faster than the locking append with COPY for such batches
// (BenchmarkFastVsCopy); a batch of DefaultCopyThreshold events takes COPY.
func TestActorGroupCommitsTakeTheFastAppend(t *testing.T) {
	s := &Store{cfg: Config{}.WithDefaults()}
	batch := func(n int) *appendPlan {
		reqs := make([]eventstore.AppendRequest, n)
		for i := range reqs {
			reqs[i] = eventstore.AppendRequest{Stream: "s-" + uuid.NewString(), Expected: eventstore.Exact(3),
				Events: events(uuid.New())}
		}
		return newAppendPlan(reqs)
	}
	for _, n := range []int{1, 256, 1000, 2000} {
		if !s.fastFor(batch(n)) {
			t.Errorf("a group commit of %d events does not take the fast append", n)
		}
	}
	if s.fastFor(batch(DefaultCopyThreshold)) {
		t.Errorf("a batch of %d events takes the fast append, want COPY", DefaultCopyThreshold)
	}
}

// TestFastAppendReusesItsGenericPlan: the fast append's statement is
// planned once per connection, not for every batch (plan_cache_mode set
// in its transaction: under the default mode the server plans a
// statement with array parameters anew on every execution, a measured
// 0.2 ms of a one-event commit, BenchmarkWritePathCostsOne).
func TestFastAppendReusesItsGenericPlan(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, pgtest.Server(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	const appends = 10 // the default mode tries 5 custom plans first
	for v := range uint64(appends) {
		plan := newAppendPlan([]eventstore.AppendRequest{{Stream: "one", Expected: eventstore.Exact(v),
			Events: events(uuid.New())}})
		if _, ok, err := appendFast(ctx, conn, plan, s.cfg.NotifyChannel); err != nil || !ok {
			t.Fatalf("append %d: ok=%v %v", v, ok, err)
		}
	}
	var generic, custom int64
	if err := conn.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement = $1`, sqlFastWrite).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if custom != 0 || generic != appends {
		t.Errorf("fast append planned %d custom and %d generic plans for %d executions, want only the generic one",
			custom, generic, appends)
	}
}

// TestFastAppendGivesUpALockWait: a fast append that finds a stream's
// head locked (by a locking append, which may wait for the counter the
// fast append holds) gives up at once and is refused, so AppendBatch takes
// the locking way instead of deadlocking.
func TestFastAppendGivesUpALockWait(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, pgtest.Server(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "held", Expected: eventstore.NoStream(),
		Events: events(uuid.New())}}); err != nil {
		t.Fatal(err)
	}
	holder, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT 1 FROM streams WHERE stream_id = 'held' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	// Without the lock timeout the append would wait for the holder, which
	// this test ends only after it: the deadline then fails the test.
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	plan := newAppendPlan([]eventstore.AppendRequest{{Stream: "held", Expected: eventstore.Exact(1),
		Events: events(uuid.New())}})
	var ok bool
	err = s.withConn(actx, func(conn *pgxpool.Conn) (err error) {
		_, ok, err = appendFast(actx, conn, plan, s.cfg.NotifyChannel)
		return err
	})
	if err != nil || ok {
		t.Fatalf("fast append on a locked head: ok=%v err=%v, want refused", ok, err)
	}
	if last, err := s.LastPosition(ctx); err != nil || last != 1 {
		t.Errorf("last position %d (%v), want 1: the refused append used a position", last, err)
	}
}
