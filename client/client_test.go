package client_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/sqlitelock"
	"github.com/google/uuid"
)

func ev(typ string, data string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(data)}
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRoundTrip(t *testing.T) {
	ctx := ctx5(t)
	res, err := cl.Append(ctx, "cart-1", eventstore.NoStream(), ev("Added", `{"sku":1}`), ev("Added", `{"sku":2}`))
	if err != nil || res.FirstVersion != 1 || res.LastVersion != 2 || res.LastPosition == 0 {
		t.Fatalf("append = %+v, %v", res, err)
	}
	evs, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "cart-1", Limit: 10})
	if err != nil || len(evs) != 2 || string(evs[1].Data) != `{"sku":2}` || evs[1].Version != 2 || evs[0].Created.IsZero() {
		t.Fatalf("read = %+v, %v", evs, err)
	}
	back, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "cart-1", From: eventstore.End,
		Direction: eventstore.Backward, Limit: 1})
	if err != nil || len(back) != 1 || back[0].Version != 2 {
		t.Fatalf("backward = %+v, %v", back, err)
	}
	rs, err := cl.Transact(ctx,
		eventstore.AppendRequest{Stream: "cart-1", Expected: eventstore.Exact(2), Events: []eventstore.EventData{ev("CheckedOut", `{}`)}},
		eventstore.AppendRequest{Stream: "order-1", Expected: eventstore.NoStream(), Events: []eventstore.EventData{ev("Placed", `{}`)}})
	if err != nil || len(rs) != 2 || rs[0].LastVersion != 3 || rs[1].LastVersion != 1 {
		t.Fatalf("transact = %+v, %v", rs, err)
	}
	all, err := cl.ReadAll(ctx, eventstore.AllRead{Limit: 100, Filter: eventstore.Filter{EventTypes: []string{"Placed", "CheckedOut"}}})
	if err != nil || len(all) != 2 || all[0].Position >= all[1].Position {
		t.Fatalf("read all = %+v, %v", all, err)
	}
	h, err := cl.Head(ctx, "cart-1")
	if err != nil || h.Version != 3 {
		t.Fatalf("head = %+v, %v", h, err)
	}
	st, err := cl.Status(ctx)
	if err != nil || st.GetStoreKind() != "embedded" || st.GetAddress() != cl.NodeAddress() || st.GetMaxEventBytes() != 1<<20 {
		t.Fatalf("status = %v, %v", st, err)
	}
}

func TestConcurrencyErrorIsTypedForPeers(t *testing.T) {
	ctx := eventstore.WithTraceID(ctx5(t), "trace-peer-1")
	if _, err := cl.Append(ctx, "conflict-1", eventstore.Any(), ev("A", `{}`)); err != nil {
		t.Fatal(err)
	}
	_, err := cl.Append(ctx, "conflict-1", eventstore.Exact(5), ev("B", `{}`))
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %T %v, want *eventstore.ConcurrencyError", err, err)
	}
	if v, _ := ce.Expected.ExactVersion(); ce.Stream != "conflict-1" || v != 5 || ce.Actual != 1 || eventstore.TraceIDOf(err) != "trace-peer-1" {
		t.Fatalf("concurrency error = %+v", ce)
	}
	if !errors.Is(err, eventstore.ErrConcurrency) || eventstore.IsRetryable(err) {
		t.Fatalf("sentinel/retryable wrong for %v", err)
	}
}

func TestTransactConflictWritesNothing(t *testing.T) {
	ctx := ctx5(t)
	_, err := cl.Transact(ctx,
		eventstore.AppendRequest{Stream: "tx-a", Expected: eventstore.NoStream(), Events: []eventstore.EventData{ev("A", `{}`)}},
		eventstore.AppendRequest{Stream: "tx-b", Expected: eventstore.Exact(3), Events: []eventstore.EventData{ev("B", `{}`)}})
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Stream != "tx-b" {
		t.Fatalf("err = %v, want a ConcurrencyError on tx-b", err)
	}
	_, err = cl.ReadStream(ctx, eventstore.StreamRead{Stream: "tx-a", Limit: 1})
	var nf *eventstore.StreamNotFoundError
	if !errors.As(err, &nf) || nf.Stream != "tx-a" {
		t.Fatalf("tx-a after the failed transaction: %v", err)
	}
}

func TestInputErrorsAreTyped(t *testing.T) {
	ctx := ctx5(t)
	_, err := cl.Append(ctx, "input-1", eventstore.Any(), ev("", `{}`))
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Rule != "required" || eventstore.TraceIDOf(err) == "" {
		t.Fatalf("err = %v, want *InputError with a trace ID", err)
	}
	bad := ev("Bad", `{bad`)
	_, err = cl.Append(ctx, "input-1", eventstore.Any(), ev("Good", `{}`), bad)
	if !errors.As(err, &ie) || ie.Rule != "json" || ie.Field != "requests[0].events[1].data" ||
		!strings.Contains(err.Error(), bad.ID.String()) {
		t.Fatalf("err = %v, want *InputError on invalid JSON naming event %s", err, bad.ID)
	}
	if _, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "input-1", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("a refused append wrote something: %v", err)
	}
	_, err = cl.ReadStream(ctx, eventstore.StreamRead{Stream: "input-1", Limit: 0})
	if !errors.As(err, &ie) || ie.Field != "limit" {
		t.Fatalf("err = %v, want *InputError on limit", err)
	}
}

func TestIdempotentRetry(t *testing.T) {
	ctx := ctx5(t)
	e := ev("Once", `{}`)
	first, err := cl.Append(ctx, "idem-1", eventstore.Any(), e)
	if err != nil {
		t.Fatal(err)
	}
	again, err := cl.Append(ctx, "idem-1", eventstore.Any(), e)
	if err != nil || !again.Idempotent || again.LastPosition != first.LastPosition {
		t.Fatalf("retry = %+v, %v; first %+v", again, err, first)
	}
}

// TestLargeReadsArePaged: six 1 MB events do not fit one 4 MiB reply; the
// node cuts the reply short and the client reads on.
func TestLargeReadsArePaged(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	defer func() { t.Logf("took %v", time.Since(start)) }()
	for range 6 {
		big := ev("Big", string(make([]byte, 1_000_000)))
		big.ContentType = eventstore.ContentTypeBinary
		if _, err := cl.Append(ctx, "large-1", eventstore.Any(), big); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "large-1", Limit: 100})
	if err != nil || len(evs) != 6 || evs[5].Version != 6 {
		t.Fatalf("read = %d events, %v", len(evs), err)
	}
	back, err := cl.ReadAll(ctx, eventstore.AllRead{From: eventstore.End, Direction: eventstore.Backward,
		Limit: 5, Filter: eventstore.Filter{StreamPrefix: "large-"}})
	if err != nil || len(back) != 5 || back[0].Version != 6 || back[4].Version != 2 {
		t.Fatalf("read all backward = %d events, %v", len(back), err)
	}
}

func TestOversizeRequestIsRefusedLocally(t *testing.T) {
	evs := make([]eventstore.EventData, 5)
	for i := range evs {
		evs[i] = ev("Big", string(make([]byte, 1_000_000)))
	}
	_, err := cl.Append(ctx5(t), "oversize-1", eventstore.Any(), evs...)
	var ie *eventstore.InputError
	if !errors.As(err, &ie) || ie.Rule != "max_size" {
		t.Fatalf("err = %v, want *InputError max_size", err)
	}
}

// TestTimeoutIsRetryable: an append the node cannot commit before the
// caller's deadline (another process holds the write lock of the node's
// SQLite file) fails with an *eventstore.TimeoutError naming the operation,
// the stream and the expected version (the node answers it just before the
// caller's deadline, or the client's own deadline passes), matches
// ErrTimeout and is retryable. Once the lock is gone, retrying with the
// same event IDs gives one append, not two.
func TestTimeoutIsRetryable(t *testing.T) {
	release := lockNodeStore(t)
	defer release()
	stream := "timeout-" + uuid.NewString() // a new stream on every run (-count)
	e := ev("Slow", `{}`)
	expected := eventstore.NoStream()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := cl.Append(ctx, stream, expected, e)
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || te.Stream != stream || te.Expected != expected || te.Op != "append" {
		t.Fatalf("err = %v (%T), want an *eventstore.TimeoutError for append on %s expecting no-stream", err, err, stream)
	}
	if !errors.Is(err, eventstore.ErrTimeout) || !eventstore.IsRetryable(err) {
		t.Errorf("err = %v: errors.Is(ErrTimeout) %v, IsRetryable %v, want both", err,
			errors.Is(err, eventstore.ErrTimeout), eventstore.IsRetryable(err))
	}
	release()
	res, err := cl.Append(ctx5(t), stream, expected, e)
	if err != nil || res.FirstVersion != 1 || res.LastVersion != 1 {
		t.Fatalf("retry with the same event ID = %+v, %v; want version 1", res, err)
	}
	if evs, err := cl.ReadStream(ctx5(t), eventstore.StreamRead{Stream: stream, Limit: 10}); err != nil || len(evs) != 1 {
		t.Fatalf("stream after the retry: %d events, %v; want 1", len(evs), err)
	}
}

// lockNodeStore takes the write lock of the node's SQLite file from this
// process, as another process would, and returns a function that releases
// it (safe to call twice).
func lockNodeStore(t *testing.T) (release func()) {
	t.Helper()
	return lockStoreIn(t, nodeDir)
}

// lockStoreIn is lockNodeStore for the node process serving dir.
func lockStoreIn(t *testing.T, dir string) (release func()) {
	t.Helper()
	return sqlitelock.Hold(t, filepath.Join(dir, "data", actorstore.EmbeddedFileName))
}
