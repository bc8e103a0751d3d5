package streams

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/supervisor"
)

// TestRestartedActorStillPassivates: a stream actor restarted after a
// failure while handling a routed message still passivates when idle (the
// count of routed messages it has seen survives the restart and includes
// the message that failed).
func TestRestartedActorStillPassivates(t *testing.T) {
	store := newStore(t)
	var armed atomic.Bool
	n := newNode(t, store, func(c *Config) {
		c.IdleTimeout = time.Hour
		c.Supervision = supervisor.Policy{Backoff: persistence.RetryPolicy{Base: time.Millisecond, Cap: 5 * time.Millisecond}}
		c.hooks.beforeMessage = func(_ string, msg any, _ bool) {
			if _, ok := msg.(*appendCmd); ok && armed.CompareAndSwap(true, false) {
				panic(&eventstore.ConnectionError{Host: "test", Op: "injected", Err: errors.New("crash")})
			}
		}
	})
	mustAppend(t, n, "s", eventstore.NoStream(), events(1))
	armed.Store(true)
	if _, err := n.Append(ctxT(t), "s", eventstore.Exact(1), events(1)); !errors.Is(err, ErrNotWritten) {
		t.Fatalf("append during the crash: %v", err)
	}
	mustAppend(t, n, "s", eventstore.Exact(1), events(1))
	if n.Stats().Restarts != 1 {
		t.Fatalf("stats %+v, want one restart", n.Stats())
	}
	eventually(t, 5*time.Second, "passivation after a restart", func() bool {
		n.PassivateIdle("s")
		return n.Stats().Passivations == 1
	})
}
