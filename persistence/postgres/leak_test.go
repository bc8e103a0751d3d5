package postgres_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// TestCloseLeavesNoGoroutines opens a store, uses the pool and the
// notification listener, closes it, and checks that none of its
// goroutines survive. Not parallel, so other tests' goroutines do not
// come and go meanwhile.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	url := pgtest.Server(t).NewDatabase(t)
	before := goleak.IgnoreCurrent()
	s, err := postgres.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := s.Notifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitPosition(t, ctx, ch, appendN(t, s, "leak-1", 2))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, before)
	if _, err := s.LastPosition(context.Background()); err != eventstore.ErrClosed {
		t.Fatalf("LastPosition after Close: %v, want ErrClosed", err)
	}
}
