package streams

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// TestMain stops the PostgreSQL server of the tests that use one. Leaks
// are checked per test instead (newStore), after the runtime and the
// store are closed: goleak.VerifyTestMain runs m.Run itself and exits,
// so it cannot be combined with pgtest.Main.
func TestMain(m *testing.M) { pgtest.Main(m) }

// onPostgres is set while TestPostgres runs tests on PostgreSQL; tests run
// one at a time, so a plain variable is enough.
var onPostgres bool

// newStore opens a private store for one test: SQLite, or a fresh
// PostgreSQL database under TestPostgres.
func newStore(t testing.TB) persistence.Store {
	t.Helper()
	var (
		s   persistence.Store
		err error
	)
	if onPostgres {
		url := pgtest.Server(t).NewDatabase(t)
		checkLeaks(t)
		s, err = postgres.New(context.Background(), url)
	} else {
		path := filepath.Join(t.TempDir(), "events.db")
		checkLeaks(t)
		s, err = sqlite.Open(context.Background(), sqlite.Config{Path: path})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// checkLeaks fails t if goroutines started from now on outlive it (checked
// after the cleanups registered later, which close nodes and stores).
func checkLeaks(t testing.TB) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

// newNode starts a Runtime over store, closed when the test ends.
func newNode(t testing.TB, store persistence.Store, edit func(*Config)) *Runtime {
	t.Helper()
	cfg := Config{Store: store, TxTimeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	n, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return n
}

// events returns n new events of type "e".
func events(n int) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{ID: uuid.New(), Type: "e", Data: []byte(`{}`)}
	}
	return out
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustAppend appends and fails the test on error.
func mustAppend(t testing.TB, n *Runtime, stream string, exp eventstore.ExpectedVersion,
	evs []eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := n.Append(ctxT(t), stream, exp, evs)
	if err != nil {
		t.Fatalf("append to %s (expected %v): %v", stream, exp, err)
	}
	return res
}

// readAll reads a whole stream from the store.
func readAll(t testing.TB, s persistence.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := s.ReadStream(ctxT(t), eventstore.StreamRead{Stream: stream, Limit: 1 << 20})
	var nf *eventstore.StreamNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// checkContiguous fails unless the stream's versions are 1..n with no gap
// or duplicate, and returns its events by ID.
func checkContiguous(t testing.TB, s persistence.Store, stream string) map[uuid.UUID]eventstore.RecordedEvent {
	t.Helper()
	evs := readAll(t, s, stream)
	byID := make(map[uuid.UUID]eventstore.RecordedEvent, len(evs))
	for i, e := range evs {
		if e.Version != eventstore.Version(i+1) {
			t.Fatalf("stream %s: event %d has version %d", stream, i, e.Version)
		}
		if _, dup := byID[e.ID]; dup {
			t.Fatalf("stream %s: event ID %s twice", stream, e.ID)
		}
		byID[e.ID] = e
	}
	return byID
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// gateStore blocks AppendBatch calls while the gate is closed, telling
// entered about each call that waits.
type gateStore struct {
	persistence.Store
	mu      sync.Mutex
	gate    chan struct{}
	entered chan struct{}
}

func newGateStore(s persistence.Store) *gateStore {
	return &gateStore{Store: s, entered: make(chan struct{}, 64)}
}

// close makes later AppendBatch calls wait until open.
func (g *gateStore) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
}

func (g *gateStore) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.gate != nil {
		close(g.gate)
		g.gate = nil
	}
}

func (g *gateStore) AppendBatch(ctx context.Context, reqs []eventstore.AppendRequest) ([]eventstore.AppendResult, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		g.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Store.AppendBatch(ctx, reqs)
}

func ctxBackground() context.Context { return context.Background() }
