package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/sqlitelock"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// TestBusyIsRetriedThenReported holds the write lock elsewhere: appends
// retry SQLITE_BUSY with the retry policy and then fail with a
// *ConnectionError that carries the attempts and the trace ID, and nothing
// is written. Once the lock is gone appends work again.
func TestBusyIsRetriedThenReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	st, err := sqlite.Open(context.Background(), sqlite.Config{
		Path:        path,
		BusyTimeout: 20 * time.Millisecond,
		Retry:       persistence.RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 5 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	release := sqlitelock.Hold(t, path)
	ctx := context.Background()
	reqs := []eventstore.AppendRequest{{Stream: "a-1", Events: []eventstore.EventData{event("x")}}}
	_, err = st.AppendBatch(ctx, reqs)
	var ce *eventstore.ConnectionError
	if !errors.As(err, &ce) || !errors.Is(err, eventstore.ErrUnavailable) || !eventstore.IsRetryable(err) {
		release()
		t.Fatalf("append while locked: %v, want a retryable *ConnectionError", err)
	}
	if ce.Attempts != 3 || ce.Op != "append" {
		t.Errorf("ConnectionError %+v, want 3 attempts, op append", ce)
	}
	// Readers are not blocked by the writer's lock (WAL).
	if pos, err := st.LastPosition(context.Background()); err != nil || pos != 0 {
		t.Errorf("LastPosition while locked: %d, %v", pos, err)
	}
	release()
	res, err := st.AppendBatch(ctx, reqs) // same event IDs: nothing was written before
	if err != nil || res[0].Err != nil || res[0].Idempotent || res[0].FirstPosition != 1 {
		t.Fatalf("append after the lock is gone: %v %+v", err, res)
	}
}

// TestDeadlineWhileLocked: a ctx deadline that passes while the file is
// locked ends the call with an error that is ErrTimeout and retryable.
func TestDeadlineWhileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadline.db")
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path, BusyTimeout: 10 * time.Millisecond,
		Retry: persistence.RetryPolicy{MaxAttempts: 1000, Base: time.Millisecond, Cap: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	release := sqlitelock.Hold(t, path)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = st.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "a-1", Events: []eventstore.EventData{event("x")}}})
	if !errors.Is(err, eventstore.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !eventstore.IsRetryable(err) {
		t.Fatalf("append past its deadline: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("append took %v past a 200ms deadline", d)
	}
}
