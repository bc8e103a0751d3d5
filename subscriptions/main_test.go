package subscriptions

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/supervisor"
)

// TestMain stops the throwaway PostgreSQL server at the end. Leaks are
// checked per test (goleak.VerifyNone against a snapshot), since the
// server's harness owns the process exit.
func TestMain(m *testing.M) { pgtest.Main(m) }

// backend opens a fresh store; open may be called again for a second
// instance on the same database ("another process").
type backend struct {
	name string
	open func(t testing.TB) (persistence.Store, func(t testing.TB) persistence.Store)
}

var backends = []backend{
	{"sqlite", func(t testing.TB) (persistence.Store, func(testing.TB) persistence.Store) {
		path := filepath.Join(t.TempDir(), "events.db")
		again := func(t testing.TB) persistence.Store {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		return again(t), again
	}},
	{"postgres", func(t testing.TB) (persistence.Store, func(testing.TB) persistence.Store) {
		url := pgtest.Server(t).NewDatabase(t)
		again := func(t testing.TB) persistence.Store {
			s, err := postgres.Open(context.Background(), postgres.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		return again(t), again
	}},
}

// eachBackend runs fn on SQLite and on PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, st persistence.Store, again func(testing.TB) persistence.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			st, again := b.open(t)
			fn(t, st, again)
		})
	}
}

func newSystem(t testing.TB) *actors.System {
	t.Helper()
	sys, err := actors.NewSystem(actors.Config{RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Shutdown)
	return sys
}

func newHub(t testing.TB, sys *actors.System, st persistence.Store, cfg Config) *Hub {
	t.Helper()
	h, err := NewHub(context.Background(), sys, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// writer appends like the streams writer does: it builds the committed
// events from the results and hands them to Publish (when hub is set).
type writer struct {
	st  persistence.Store
	hub *Hub
}

func newEvents(n int, typ string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}
	}
	return out
}

// append commits reqs in one batch and publishes the committed events.
func (w writer) append(t testing.TB, reqs ...eventstore.AppendRequest) []eventstore.RecordedEvent {
	t.Helper()
	res, err := w.st.AppendBatch(context.Background(), reqs)
	if err != nil {
		t.Error(err)
		return nil
	}
	var out []eventstore.RecordedEvent
	now := time.Now().UTC()
	for i, r := range res {
		if r.Err != nil {
			t.Error(r.Err)
			continue
		}
		for j, e := range reqs[i].Events {
			out = append(out, eventstore.RecordedEvent{EventData: e, Stream: r.Stream,
				Version: r.FirstVersion + uint64(j), Position: r.FirstPosition + uint64(j), Created: now})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Position < out[j].Position })
	if w.hub != nil {
		w.hub.Publish(out)
	}
	return out
}

func (w writer) appendN(t testing.TB, stream string, n int, typ string) []eventstore.RecordedEvent {
	return w.append(t, eventstore.AppendRequest{Stream: stream, Expected: eventstore.Any(), Events: newEvents(n, typ)})
}

// collector is a subscriber actor that forwards every protocol message to
// out, and panics with any error it is sent.
type collector struct{ out chan any }

func (a *collector) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started, *actors.Stopping, *actors.Stopped, *actors.Restarting:
	case error:
		panic(m)
	default:
		a.out <- m
	}
}

// spawnCollector starts a collector under a parent that stops it when it
// panics (top-level actors would be restarted). It returns the collector.
func spawnCollector(t testing.TB, sys *actors.System) (*actors.PID, chan any) {
	t.Helper()
	out := make(chan any, 1<<16)
	got := make(chan *actors.PID, 1)
	strategy := actors.NewSupervisorStrategy(supervisor.Policy{
		Decider: func(any) supervisor.Directive { return supervisor.Stop }}, sys.Logger(), nil)
	parent := actors.WithStrategy(actors.PropsOf(func() actors.Actor { return &spawner{out: out, got: got} }), strategy)
	sys.Spawn(parent)
	select {
	case pid := <-got:
		return pid, out
	case <-time.After(5 * time.Second):
		t.Fatal("collector did not start")
		return nil, nil
	}
}

type spawner struct {
	out chan any
	got chan *actors.PID
}

func (s *spawner) Receive(c actors.Context) {
	if _, ok := c.Message().(*actors.Started); ok {
		s.got <- c.Spawn(actors.PropsOf(func() actors.Actor { return &collector{out: s.out} }))
	}
}

// expect returns the next message of type T from ch, skipping others that
// skip accepts, failing after timeout.
func expect[T any](t testing.TB, ch <-chan any, timeout time.Duration) T {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m := <-ch:
			if v, ok := m.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %T within %v", zero, timeout)
			return zero
		}
	}
}

// eventually polls cond every few milliseconds until it holds or timeout
// passes (a wait with a deadline, not a sleep to synchronise).
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is a Handler that checks order and records what it saw.
type recorder struct {
	mu       sync.Mutex
	byStream bool // check versions instead of positions
	last     uint64
	count    int
	err      error
	events   []eventstore.RecordedEvent
	keep     bool
}

func (r *recorder) handle(_ context.Context, e eventstore.RecordedEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq := e.Position
	if r.byStream {
		seq = e.Version
	}
	if r.err == nil && seq != r.last+1 {
		r.err = &orderError{want: r.last + 1, got: seq}
	}
	r.last = seq
	r.count++
	if r.keep {
		r.events = append(r.events, e)
	}
	return nil
}

func (r *recorder) state() (uint64, int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, r.count, r.err
}

type orderError struct{ want, got uint64 }

func (e *orderError) Error() string {
	return fmt.Sprintf("out of order: want %d, got %d", e.want, e.got)
}
