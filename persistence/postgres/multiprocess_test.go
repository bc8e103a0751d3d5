package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
)

func TestMigrationsIdempotentAndConcurrent(t *testing.T) {
	t.Parallel()
	url := pgtest.Server(t).NewDatabase(t)
	const openers = 8
	var wg sync.WaitGroup
	errs := make(chan error, openers)
	for range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.New(context.Background(), url)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Open: %v", err)
	}
	openStore(t, url, postgres.Config{}) // once more, on a migrated database
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n, rows int
	if err := conn.QueryRow(context.Background(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &rows); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	if n != len(files) || rows != len(files) {
		t.Fatalf("schema_migrations has %d rows (%d versions), want each of the %d migrations once",
			n, rows, len(files))
	}
}

// TestTwoStoresShareDatabase runs two Store instances (as two processes
// would) appending concurrently to overlapping streams, while a reader
// follows ReadAll forward. Versions must be contiguous, positions gapless
// and in commit order: the reader never finds a position below one it saw.
func TestTwoStoresShareDatabase(t *testing.T) {
	t.Parallel()
	url := pgtest.Server(t).NewDatabase(t)
	// The second store writes through the COPY path, so both write paths race.
	stores := []*postgres.Store{openStore(t, url, postgres.Config{}),
		openStore(t, url, postgres.Config{CopyThreshold: 1})}
	const writers, rounds, streams = 4, 40, 5
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	readerDone := make(chan error, 1)
	stop := make(chan struct{})
	go func() { readerDone <- followAll(ctx, stores[1], stop) }()

	var wg sync.WaitGroup
	appended := make([]int, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			appended[w] = appendOverlapping(t, ctx, stores[w%2], w, rounds, streams)
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range appended {
		total += n
	}
	checkAllStreams(t, stores[0], streams, total)
}

// appendOverlapping appends rounds batches of two streams each (always
// including a shared one) with expected version Any and returns the number
// of events appended.
func appendOverlapping(t *testing.T, ctx context.Context, s *postgres.Store, w, rounds, streams int) int {
	n := 0
	for r := range rounds {
		a, b := fmt.Sprintf("shared-%d", r%streams), fmt.Sprintf("shared-%d", (r+w+1)%streams)
		reqs := []eventstore.AppendRequest{{Stream: a, Events: []eventstore.EventData{ev("x"), ev("y")}}}
		if b != a {
			reqs = append(reqs, eventstore.AppendRequest{Stream: b, Events: []eventstore.EventData{ev("z")}})
		}
		res, err := s.AppendBatch(ctx, reqs)
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
			return n
		}
		for i := range res {
			if res[i].Err != nil {
				t.Errorf("writer %d: %v", w, res[i].Err)
			}
			n += len(reqs[i].Events)
		}
	}
	return n
}

// followAll polls ReadAll forward and fails when a position appears below
// one already seen, or a position is skipped.
func followAll(ctx context.Context, s *postgres.Store, stop <-chan struct{}) error {
	var seen uint64
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		evs, err := s.ReadAll(ctx, eventstore.AllRead{From: seen + 1, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Position != seen+1 {
				return fmt.Errorf("reader saw position %d after %d", e.Position, seen)
			}
			seen = e.Position
		}
		// A full re-read from the start must not show anything new below seen.
		if seen > 0 {
			old, err := s.ReadAll(ctx, eventstore.AllRead{From: 1, Limit: int(seen)})
			if err != nil {
				return err
			}
			if len(old) != int(seen) {
				return fmt.Errorf("re-read of 1..%d found %d events", seen, len(old))
			}
		}
	}
}

// checkAllStreams checks contiguous versions per stream and gapless,
// strictly increasing positions overall.
func checkAllStreams(t *testing.T, s *postgres.Store, streams, total int) {
	t.Helper()
	ctx := context.Background()
	all, err := s.ReadAll(ctx, eventstore.AllRead{Limit: total + 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != total {
		t.Fatalf("ReadAll found %d events, want %d", len(all), total)
	}
	next := map[string]uint64{}
	ids := map[uuid.UUID]bool{}
	for i, e := range all {
		if e.Position != uint64(i+1) {
			t.Fatalf("event %d has position %d", i, e.Position)
		}
		if e.Version != next[e.Stream]+1 {
			t.Fatalf("stream %s: version %d after %d", e.Stream, e.Version, next[e.Stream])
		}
		next[e.Stream] = e.Version
		if ids[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		ids[e.ID] = true
	}
	for st, v := range next {
		h, err := s.Head(ctx, st)
		if err != nil || h.Version != v {
			t.Fatalf("Head(%s) = %+v, %v; want version %d", st, h, err, v)
		}
	}
}

func TestNotificationsAcrossStores(t *testing.T) {
	t.Parallel()
	url := pgtest.Server(t).NewDatabase(t)
	a, b := openStore(t, url, postgres.Config{}), openStore(t, url, postgres.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := b.Notifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "n-1", Events: []eventstore.EventData{ev("x"), ev("y")}}})
	if err != nil {
		t.Fatal(err)
	}
	waitPosition(t, ctx, ch, res[0].LastPosition)
}

// waitPosition reads ch until it reports at least want.
func waitPosition(t *testing.T, ctx context.Context, ch <-chan eventstore.Position, want uint64) {
	t.Helper()
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				t.Fatal("notification channel closed")
			}
			if p >= want {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no notification of position %d", want)
		}
	}
}

// TestNotificationsAfterReconnect kills the listener's connection, appends
// while it is down, and expects the position once it is back.
func TestNotificationsAfterReconnect(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	url := srv.NewDatabase(t)
	cfg := postgres.Config{RetryPolicy: persistence.RetryPolicy{Base: 10 * time.Millisecond, Cap: 50 * time.Millisecond}}
	s := openStore(t, url, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := s.Notifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := appendN(t, s, "r-1", 1)
	waitPosition(t, ctx, ch, first)
	if _, err := srv.TerminateBackends(ctx, url); err != nil {
		t.Fatal(err)
	}
	last := appendN(t, s, "r-2", 3) // the pool reconnects; the listener may be down
	waitPosition(t, ctx, ch, last)
}

func appendN(t *testing.T, s persistence.Store, stream string, n int) uint64 {
	t.Helper()
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = ev("e")
	}
	res, err := s.AppendBatch(context.Background(), []eventstore.AppendRequest{{Stream: stream, Events: evs}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append %s: %v %v", stream, err, res)
	}
	return res[0].LastPosition
}

func TestNotificationChannelsClose(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	byCtx, err := s.Notifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byClose, err := s.Notifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	drainUntilClosed(t, byCtx)
	s.Close()
	drainUntilClosed(t, byClose)
	if _, err := s.Notifications(context.Background()); err != eventstore.ErrClosed {
		t.Fatalf("Notifications after Close: %v, want ErrClosed", err)
	}
}

func drainUntilClosed(t *testing.T, ch <-chan eventstore.Position) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("channel not closed")
		}
	}
}
