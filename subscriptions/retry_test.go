package subscriptions

import (
	"context"
	"testing"
	"time"

	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// TestOneRetryLayerDuringOutage: with PostgreSQL stopped, a subscription's
// catch-up read is attempted exactly as often as the store's RetryPolicy
// says (MaxAttempts in all, so MaxAttempts-1 retries counted by the store),
// then the subscription is dropped with a retryable error. Retries wrapped
// around the store's own (as subscriptions once did) multiply the attempts:
// MaxAttempts × MaxAttempts.
func TestOneRetryLayerDuringOutage(t *testing.T) {
	srv := pgtest.Server(t)
	srv.RequireManaged(t)
	policy := persistence.RetryPolicy{MaxAttempts: 3, Base: time.Millisecond, Cap: 2 * time.Millisecond}
	st, err := postgres.Open(context.Background(), postgres.Config{URL: srv.NewDatabase(t), RetryPolicy: policy})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	w := writer{st: st}
	w.appendN(t, "retry-1", 3, "E")
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{Retry: policy})
	who, out := spawnCollector(t, sys)

	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Start(); err != nil {
			t.Errorf("restart PostgreSQL: %v", err)
		}
	})
	before := st.StoreStats().Retries
	if _, _, err := hub.SubscribeActor(context.Background(), who, Options{}); err != nil {
		t.Fatal(err)
	}
	d := expect[*messages.SubscriptionDropped](t, out, 30*time.Second)
	if !d.GetError().GetRetryable() {
		t.Errorf("dropped with %v, want a retryable error", d.GetError())
	}
	if retries := st.StoreStats().Retries - before; retries != int64(policy.MaxAttempts-1) {
		t.Fatalf("the store retried %d times during the outage, want %d (RetryPolicy.MaxAttempts-1 for the one catch-up read)",
			retries, policy.MaxAttempts-1)
	}
}
