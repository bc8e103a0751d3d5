package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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
			res, ok, err = s.appendFast(ctx, conn, plan)
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

// TestFastAppendReusesItsGenericPlan: both forms of the fast append's
// statement (one request of one event, sqlFastOne; several, sqlFastWrite)
// are planned once per connection, not for every batch (plan_cache_mode
// is a session default of the append pool's connections: under the
// default mode the server plans a statement with array parameters anew on
// every execution, a measured 0.2 ms of a one-event commit,
// BenchmarkWritePathCostsOne).
func TestFastAppendReusesItsGenericPlan(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, pgtest.Server(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.appends.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	const appends = 10 // the default mode tries 5 custom plans first
	for v := range uint64(appends) {
		one := eventstore.AppendRequest{Stream: "one", Expected: eventstore.Exact(v), Events: events(uuid.New())}
		two := eventstore.AppendRequest{Stream: "two", Expected: eventstore.Exact(2 * v),
			Events: events(uuid.New(), uuid.New())}
		for _, req := range []eventstore.AppendRequest{one, two} {
			plan := newAppendPlan([]eventstore.AppendRequest{req})
			if _, ok, err := s.appendFast(ctx, conn, plan); err != nil || !ok {
				t.Fatalf("append %d to %s: ok=%v %v", v, req.Stream, ok, err)
			}
		}
	}
	for name, stmt := range map[string]string{"sqlFastOne": sqlFastOne, "sqlFastWrite": sqlFastWrite} {
		var generic, custom int64
		if err := conn.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement = $1`, stmt).Scan(&generic, &custom); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if custom != 0 || generic != appends {
			t.Errorf("%s planned %d custom and %d generic plans for %d executions, want only the generic one",
				name, custom, generic, appends)
		}
	}
}

// TestFastAppendGivesUpALockWait: a fast append that finds a stream's
// head locked (by a locking append, which may wait for the counter the
// fast append holds) gives up at once and is refused, so AppendBatch takes
// the locking way instead of deadlocking. Both forms of the statement,
// with the settings as the append connections' session defaults
// (prepared statements) and set in the transaction (describe mode).
func TestFastAppendGivesUpALockWait(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Server(t)
	for _, mode := range []string{"prepare", "describe"} {
		s, err := Open(ctx, Config{URL: srv.NewDatabase(t), StatementCacheMode: mode})
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
		defer holder.Rollback(ctx) // before s.Close, which waits for its connection
		if _, err := holder.Exec(ctx, `SELECT 1 FROM streams WHERE stream_id = 'held' FOR UPDATE`); err != nil {
			t.Fatal(err)
		}
		// Without the lock timeout the append would wait for the holder, which
		// this test ends only after it: the deadline then fails the test.
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		for name, evs := range map[string][]eventstore.EventData{
			"one event": events(uuid.New()), "two events": events(uuid.New(), uuid.New())} {
			plan := newAppendPlan([]eventstore.AppendRequest{{Stream: "held", Expected: eventstore.Exact(1),
				Events: evs}})
			var ok bool
			err = s.withConn(actx, func(conn *pgxpool.Conn) (err error) {
				_, ok, err = s.appendFast(actx, conn, plan)
				return err
			})
			if err != nil || ok {
				t.Fatalf("%s, %s: fast append on a locked head: ok=%v err=%v, want refused", mode, name, ok, err)
			}
			if last, err := s.LastPosition(ctx); err != nil || last != 1 {
				t.Errorf("%s, %s: last position %d (%v), want 1: the refused append used a position",
					mode, name, last, err)
			}
		}
		cancel()
		holder.Rollback(ctx)
	}
}

// TestFastAppendOneCommitsOrRefuses: the one-request statement
// (sqlFastOne) commits one event to a new or an existing stream at the
// next version and position, and refuses whatever the locking way must
// decide, writing nothing and using no position: a stale head, a head
// ahead, an existing stream expected new, a missing stream expected to
// exist, a stored event ID (of this stream or another), and a
// hard-deleted stream (its tombstone, whether expected at its version or
// new). AppendBatch then answers each the locking way's way.
func TestFastAppendOneCommitsOrRefuses(t *testing.T) {
	ctx := context.Background()
	s, err := New(ctx, pgtest.Server(t).NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.appendDefaults {
		t.Fatal("the default configuration does not give the append connections the fast append's settings")
	}
	req := func(stream string, expected eventstore.Version, id uuid.UUID) eventstore.AppendRequest {
		return eventstore.AppendRequest{Stream: stream, Expected: eventstore.Exact(expected), Events: events(id)}
	}
	fast := func(r eventstore.AppendRequest) ([]eventstore.AppendResult, bool) {
		t.Helper()
		plan := newAppendPlan([]eventstore.AppendRequest{r})
		var (
			res []eventstore.AppendResult
			ok  bool
		)
		if err := s.withConn(ctx, func(conn *pgxpool.Conn) (err error) {
			res, ok, err = s.appendFast(ctx, conn, plan)
			if tx := conn.Conn().PgConn().TxStatus(); tx != 'I' {
				t.Errorf("connection left in transaction state %c", tx)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ok != (len(plan.sent) == 1) {
			t.Errorf("ok=%v but %d requests marked sent", ok, len(plan.sent))
		}
		return res, ok
	}
	a1, b1 := uuid.New(), uuid.New()
	for _, step := range []struct {
		r             eventstore.AppendRequest
		version, last eventstore.Version
	}{
		{req("a", 0, a1), 1, 1}, {req("a", 1, uuid.New()), 2, 2}, {req("b", 0, b1), 1, 3},
		{req("gone", 0, uuid.New()), 1, 4},
	} {
		res, ok := fast(step.r)
		if !ok || len(res) != 1 || res[0].Stream != step.r.Stream || res[0].FirstVersion != step.version ||
			res[0].LastVersion != step.version || res[0].FirstPosition != step.last || res[0].LastPosition != step.last {
			t.Fatalf("%s at %d: ok=%v %+v, want version %d position %d", step.r.Stream,
				step.r.Expected, ok, res, step.version, step.last)
		}
	}
	evs, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: "a", Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].ID != a1 || evs[0].Version != 1 || evs[1].Version != 2 ||
		evs[1].Position != 2 || evs[0].Type != "T" || evs[0].Data == nil || len(evs[0].Data) != 0 {
		t.Fatalf("stream a read back: %v %+v", err, evs)
	}
	if _, err := s.DeleteStream(ctx, eventstore.DeleteRequest{Stream: "gone", Expected: eventstore.Any(),
		Hard: true}); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name string
		r    eventstore.AppendRequest
		want error // what AppendBatch answers afterwards (nil: an idempotent retry)
	}{
		{"stale head", req("a", 1, uuid.New()), eventstore.ErrConcurrency},
		{"head ahead", req("a", 9, uuid.New()), eventstore.ErrConcurrency},
		{"existing as new", req("b", 0, uuid.New()), eventstore.ErrConcurrency},
		{"missing stream", req("zz", 3, uuid.New()), eventstore.ErrConcurrency},
		{"stored ID, other stream", req("b", 1, a1), eventstore.ErrDuplicateEvent},
		{"stored ID, retry", req("b", 0, b1), nil},
		{"deleted at its version", req("gone", 1, uuid.New()), &eventstore.StreamDeletedError{}},
		{"deleted, new", req("gone", 0, uuid.New()), &eventstore.StreamDeletedError{}},
	}
	for _, c := range refusals {
		if _, ok := fast(c.r); ok {
			t.Errorf("%s: the one-request statement committed", c.name)
		}
		if last, err := s.LastPosition(ctx); err != nil || last != 4 {
			t.Errorf("%s: last position %d (%v), want 4: the refused append used a position", c.name, last, err)
		}
		got, err := s.AppendBatch(ctx, []eventstore.AppendRequest{c.r})
		if err != nil {
			t.Fatalf("%s: AppendBatch: %v", c.name, err)
		}
		switch want := c.want.(type) {
		case nil:
			if got[0].Err != nil || !got[0].Idempotent || got[0].LastPosition != 3 {
				t.Errorf("%s: AppendBatch %+v, want the idempotent result at position 3", c.name, got[0])
			}
		case *eventstore.StreamDeletedError:
			if !errors.As(got[0].Err, &want) {
				t.Errorf("%s: AppendBatch %+v, want a StreamDeletedError", c.name, got[0])
			}
		default:
			if !errors.Is(got[0].Err, want) {
				t.Errorf("%s: AppendBatch %+v, want %v", c.name, got[0], want)
			}
		}
	}
	if h, err := s.Head(ctx, "a"); err != nil || h.Version != 2 || h.LastPosition != 2 {
		t.Errorf("head of a after the refusals: %+v %v, want version 2 at position 2", h, err)
	}
}

// TestAppendSettingsStayOnAppendConnections: the fast append's settings
// are session defaults of the append pool's connections only. Every
// connection of the other pool (reads, deletes, scavenging, leases,
// projection transactions) keeps the server's lock_timeout and plan cache
// mode, and the locking append, on an append connection, waits for a
// head lock as long as the server's default lets it (here: for ever)
// rather than giving up after the fast append's 50 ms.
func TestAppendSettingsStayOnAppendConnections(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{URL: pgtest.Server(t).NewDatabase(t), MaxConns: 4}) // 2 for appends, 2 for the rest
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "held", Expected: eventstore.NoStream(),
		Events: events(uuid.New())}}); err != nil {
		t.Fatal(err)
	}
	settings := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) (lock, plan string) {
		t.Helper()
		if err := q.QueryRow(ctx, `SELECT current_setting('lock_timeout'), current_setting('plan_cache_mode')`).
			Scan(&lock, &plan); err != nil {
			t.Fatal(err)
		}
		return lock, plan
	}
	// Every connection of each pool, held at once so that none is reused.
	for name, pool := range map[string]*pgxpool.Pool{"other": s.pool, "append": s.appends} {
		var conns []*pgxpool.Conn
		for range 2 {
			c, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			lock, plan := settings(c)
			want := [2]string{"0", "auto"}
			if name == "append" {
				want = [2]string{fastLockTimeout, "force_generic_plan"}
			}
			if lock != want[0] || plan != want[1] {
				t.Errorf("%s pool: lock_timeout %s, plan_cache_mode %s; want %s, %s", name, lock, plan, want[0], want[1])
			}
		}
		for _, c := range conns {
			c.Release()
		}
	}
	// The locking append's transaction has the server's settings back.
	err = s.withConn(ctx, func(conn *pgxpool.Conn) error {
		plan := newAppendPlan([]eventstore.AppendRequest{{Stream: "held", Expected: eventstore.Any(),
			Events: events(uuid.New())}})
		if _, _, _, err := lockBatch(ctx, conn, plan, s.appendDefaults); err != nil {
			return err
		}
		if lock, mode := settings(conn); lock != "0" || mode != "auto" {
			t.Errorf("locking append's transaction: lock_timeout %s, plan_cache_mode %s; want 0, auto", lock, mode)
		}
		_, err := conn.Exec(ctx, "ROLLBACK")
		if lock, mode := settings(conn); lock != fastLockTimeout || mode != "force_generic_plan" {
			t.Errorf("after the locking append: lock_timeout %s, plan_cache_mode %s; want the append defaults back",
				lock, mode)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// And it waits behind a holder of the head past the 50 ms: the holder
	// lets go only once the append is seen waiting for its lock, and 200 ms
	// later.
	holder, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, `SELECT 1 FROM streams WHERE stream_id = 'held' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var res []eventstore.AppendResult
	go func() {
		var err error
		res, err = s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "held", Expected: eventstore.Any(),
			Events: events(uuid.New())}})
		done <- err
	}()
	for waiting := 0; waiting == 0; {
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || res[0].Err != nil || res[0].LastVersion != 2 {
		t.Fatalf("locking append behind a held head: %v %+v", err, res)
	}
	if r := s.StoreStats().Retries; r != 0 {
		t.Errorf("the locking append was retried %d times: it gave up its lock wait", r)
	}
}

// TestPoolsStayWithinMaxConns: the append pool's connections are set apart
// from MaxConns, never added to it (ADR 0031), and with MaxConns 1 appends
// share the one pool and still commit both ways.
func TestPoolsStayWithinMaxConns(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Server(t)
	for _, c := range []struct {
		max, appendConns, wantAppend int32
	}{{1, 0, 0}, {2, 0, 1}, {3, 0, 2}, {10, 0, 2}, {10, 5, 5}, {10, -1, 0}} {
		s, err := Open(ctx, Config{URL: srv.NewDatabase(t), MaxConns: c.max, AppendConns: c.appendConns})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.StoreStats().Pool.MaxConns; got != int64(c.max) {
			t.Errorf("MaxConns %d, AppendConns %d: the pools hold %d connections", c.max, c.appendConns, got)
		}
		shared := s.appends == s.pool
		if shared != (c.wantAppend == 0) || (!shared && s.appends.Config().MaxConns != c.wantAppend) {
			t.Errorf("MaxConns %d, AppendConns %d: shared %v, append pool %d; want %d",
				c.max, c.appendConns, shared, s.appends.Config().MaxConns, c.wantAppend)
		}
		if shared && s.appendDefaults {
			t.Errorf("MaxConns %d: a shared pool must not carry the append settings", c.max)
		}
		// Both write paths: the fast append, then an Any expectation
		// (the locking append), then a read on the other pool.
		for _, exp := range []eventstore.ExpectedVersion{eventstore.NoStream(), eventstore.Any()} {
			if _, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "s", Expected: exp,
				Events: events(uuid.New())}}); err != nil {
				t.Fatalf("MaxConns %d: %v", c.max, err)
			}
		}
		evs, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: "s", From: 1, Limit: 10})
		if err != nil || len(evs) != 2 {
			t.Fatalf("MaxConns %d: read %d events, %v", c.max, len(evs), err)
		}
		s.Close()
	}
	var in *eventstore.InputError
	if _, err := Open(ctx, Config{URL: srv.NewDatabase(t), MaxConns: 4, AppendConns: 4}); !errors.As(err, &in) || in.Field != "AppendConns" {
		t.Errorf("AppendConns = MaxConns: %v, want an InputError on AppendConns", err)
	}
}
