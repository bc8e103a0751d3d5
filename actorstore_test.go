package actorstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backends runs f once per storage backend, each with a fresh store.
func backends(t *testing.T, f func(t *testing.T, open func(t *testing.T, cfg actorstore.Config) *actorstore.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, func(t *testing.T, cfg actorstore.Config) *actorstore.Store {
			cfg.DataDir = t.TempDir()
			return openStore(t, cfg)
		})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		srv := pgtest.Server(t)
		f(t, func(t *testing.T, cfg actorstore.Config) *actorstore.Store {
			cfg.PostgresURL = srv.NewDatabase(t)
			return openStore(t, cfg)
		})
	})
}

func openStore(t *testing.T, cfg actorstore.Config) *actorstore.Store {
	t.Helper()
	st, eng, err := actorstore.OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	engines.Store(st, eng)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := st.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// engines holds the engine of every store openStore opened, for the
// tests that look inside (the hub's flow, the actor system).
var engines sync.Map // *actorstore.Store -> *engine.Engine

func engineOf(st *actorstore.Store) *engine.Engine {
	e, _ := engines.Load(st)
	return e.(*engine.Engine)
}

func ev(typ string) actorstore.EventData {
	return actorstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{"n":1}`)}
}

// TestConcurrentAppendsKeepVersionsContiguous drives hundreds of goroutines
// at many streams and one hot stream, with exact expected versions retried
// on conflict, and checks: versions 1..N with no gap or duplicate, every
// acknowledged event stored once at the version it was acknowledged with,
// and every conflict naming an actual version other than the expected one.
func TestConcurrentAppendsKeepVersionsContiguous(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		const writers, perWriter = 200, 5
		var (
			mu    sync.Mutex
			acked = map[uuid.UUID]string{} // event ID -> stream@version
			errs  []error
			wg    sync.WaitGroup
		)
		for w := 0; w < writers; w++ {
			stream := fmt.Sprintf("cart-%d", w%40)
			if w%4 == 0 {
				stream = "hot"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWriter; i++ {
					e := ev("Added")
					res, err := appendWithRetry(ctx, st, stream, e)
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						acked[e.ID] = fmt.Sprintf("%s@%d", stream, res.LastVersion)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("%d appends failed, first: %v", len(errs), errs[0])
		}
		checkStreams(t, st, acked)
	})
}

// appendWithRetry appends e at the version it reads from the stream's head,
// and on a conflict retries at the actual version the error names.
func appendWithRetry(ctx context.Context, st *actorstore.Store, stream string, e actorstore.EventData) (actorstore.AppendResult, error) {
	h, err := st.Head(ctx, stream)
	if err != nil {
		return actorstore.AppendResult{}, err
	}
	expected := h.Version
	for attempt := 0; attempt < 1000; attempt++ {
		res, err := st.Append(ctx, stream, actorstore.Exact(expected), e)
		var ce *actorstore.ConcurrencyError
		if !errors.As(err, &ce) {
			return res, err
		}
		if ce.Actual == expected || ce.Stream != stream {
			return res, fmt.Errorf("conflict names the expected version itself or another stream: %w", err)
		}
		expected = ce.Actual
	}
	return actorstore.AppendResult{}, errors.New("too many conflicts")
}

func checkStreams(t *testing.T, st *actorstore.Store, acked map[uuid.UUID]string) {
	t.Helper()
	ctx := context.Background()
	all, err := st.ReadAll(ctx, actorstore.AllRead{Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	next := map[string]uint64{}
	seen := map[uuid.UUID]bool{}
	var last uint64
	for _, e := range all {
		if e.Position <= last {
			t.Fatalf("position %d after %d", e.Position, last)
		}
		last = e.Position
		next[e.Stream]++
		if e.Version != next[e.Stream] {
			t.Fatalf("stream %s: version %d where %d was due (gap or duplicate)", e.Stream, e.Version, next[e.Stream])
		}
		if seen[e.ID] {
			t.Fatalf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
		if want, ok := acked[e.ID]; ok && want != fmt.Sprintf("%s@%d", e.Stream, e.Version) {
			t.Fatalf("event %s stored at %s@%d, acknowledged as %s", e.ID, e.Stream, e.Version, want)
		}
	}
	for id, at := range acked {
		if !seen[id] {
			t.Fatalf("acknowledged event %s (%s) is missing", id, at)
		}
	}
}

func TestTransactIsAllOrNothing(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		if _, err := st.Append(ctx, "a", actorstore.NoStream(), ev("Opened")); err != nil {
			t.Fatal(err)
		}
		_, err := st.Transact(ctx,
			actorstore.AppendRequest{Stream: "b", Expected: actorstore.NoStream(), Events: []actorstore.EventData{ev("X")}},
			actorstore.AppendRequest{Stream: "a", Expected: actorstore.NoStream(), Events: []actorstore.EventData{ev("X")}},
		)
		var ce *actorstore.ConcurrencyError
		if !errors.As(err, &ce) || ce.Stream != "a" || ce.Actual != 1 {
			t.Fatalf("want a ConcurrencyError for stream a at 1, got %v", err)
		}
		if _, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "b", Limit: 1}); !errors.Is(err, actorstore.ErrStreamNotFound) {
			t.Fatalf("stream b must not be written by the failed transaction: %v", err)
		}
		res, err := st.Transact(ctx,
			actorstore.AppendRequest{Stream: "b", Expected: actorstore.NoStream(), Events: []actorstore.EventData{ev("X")}},
			actorstore.AppendRequest{Stream: "a", Expected: actorstore.Exact(1), Events: []actorstore.EventData{ev("X"), ev("Y")}},
		)
		if err != nil {
			t.Fatal(err)
		}
		if res[0].LastVersion != 1 || res[1].LastVersion != 3 {
			t.Fatalf("results %+v", res)
		}
	})
}

func TestErrorsCarryTraceID(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := eventstore.WithTraceID(context.Background(), "trace-42")
		st.Append(ctx, "s", actorstore.Any(), ev("X"))
		_, err := st.Append(ctx, "s", actorstore.NoStream(), ev("X"))
		var ce *actorstore.ConcurrencyError
		if !errors.As(err, &ce) || actorstore.TraceIDOf(err) != "trace-42" || !strings.Contains(err.Error(), "trace-42") {
			t.Fatalf("conflict without the caller's trace ID: %v", err)
		}
		_, err = st.Append(ctx, "", actorstore.Any(), ev("X"))
		var ie *actorstore.InputError
		if !errors.As(err, &ie) || actorstore.TraceIDOf(err) != "trace-42" {
			t.Fatalf("input error without the trace ID: %v", err)
		}
		_, err = st.ReadAll(ctx, actorstore.AllRead{Limit: 0})
		if !errors.As(err, &ie) || actorstore.TraceIDOf(err) != "trace-42" {
			t.Fatalf("read error without the trace ID: %v", err)
		}
		// Without a trace ID in ctx, one is generated per operation.
		_, err = st.Append(context.Background(), "s", actorstore.NoStream(), ev("X"))
		if !errors.As(err, &ce) || actorstore.TraceIDOf(err) == "" {
			t.Fatalf("no generated trace ID: %v", err)
		}
	})
}

func TestBadInputIsTypedAndWritesNothing(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	ctx := context.Background()
	cases := map[string]struct {
		stream string
		events []actorstore.EventData
		field  string
	}{
		"empty stream": {"", []actorstore.EventData{ev("X")}, "requests[0].stream"},
		"no events":    {"s", nil, "requests[0].events"},
		"no type":      {"s", []actorstore.EventData{{ID: uuid.New(), Data: []byte("{}")}}, "requests[0].events[0].type"},
		"no id":        {"s", []actorstore.EventData{{Type: "X", Data: []byte("{}")}}, "requests[0].events[0].id"},
		"nil data":     {"s", []actorstore.EventData{{ID: uuid.New(), Type: "X"}}, "requests[0].events[0].data"},
		"second bad":   {"s", []actorstore.EventData{ev("X"), {ID: uuid.New(), Type: "X"}}, "requests[0].events[1].data"},
		"invalid JSON": {"s", []actorstore.EventData{ev("X"), {ID: uuid.New(), Type: "X", Data: []byte("{bad")}}, "requests[0].events[1].data"},
	}
	for name, tc := range cases {
		_, err := st.Append(ctx, tc.stream, actorstore.Any(), tc.events...)
		var ie *actorstore.InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%s: want InputError on %s, got %v", name, tc.field, err)
		}
	}
	evs, err := st.ReadAll(ctx, actorstore.AllRead{Limit: 10})
	if err != nil || len(evs) != 0 {
		t.Fatalf("bad input wrote %d events (err %v)", len(evs), err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	_, err := actorstore.Open(ctx, actorstore.Config{DataDir: t.TempDir(), MaxLiveStreams: -1})
	var ie *actorstore.InputError
	if !errors.As(err, &ie) || ie.Field != "MaxLiveStreams" {
		t.Fatalf("want InputError on MaxLiveStreams, got %v", err)
	}
	_, err = actorstore.Open(ctx, actorstore.Config{PostgresURL: "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=1",
		Retry: actorstore.RetryPolicy{MaxAttempts: 1}})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("want an error without the password, got %v", err)
	}
	if !errors.Is(err, actorstore.ErrUnavailable) {
		t.Fatalf("unreachable database should be ErrUnavailable: %v", err)
	}
}

func TestReopenKeepsEventsAndVersions(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, "s", actorstore.NoStream(), ev("A"), ev("B")); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, "s", actorstore.Any(), ev("C")); !errors.Is(err, actorstore.ErrClosed) {
		t.Fatalf("append after Close: want ErrClosed, got %v", err)
	}
	st = openStore(t, actorstore.Config{DataDir: dir})
	res, err := st.Append(ctx, "s", actorstore.Exact(2), ev("C"))
	if err != nil || res.LastVersion != 3 || res.LastPosition != 3 {
		t.Fatalf("after reopen: %+v, %v", res, err)
	}
}
