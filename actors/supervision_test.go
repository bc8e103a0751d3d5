package actors_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/actors/actortest"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/supervisor"
)

// crashy reports Started to the probe and panics with any error it receives.
type crashy struct{ probe *actors.PID }

func (a *crashy) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *actors.Started:
		c.Send(a.probe, "started")
	case error:
		panic(m)
	case int:
		panic(m) // a bug: not an error
	}
}

// parent spawns one crashy child (supervised by the strategy of its own
// props) and tells the probe its PID.
type parent struct {
	probe *actors.PID
}

func (p *parent) Receive(c actors.Context) {
	if _, ok := c.Message().(*actors.Started); ok {
		child := c.Spawn(actors.PropsOf(func() actors.Actor { return &crashy{probe: p.probe} }))
		c.Send(p.probe, child)
	}
}

func spawnSupervised(t *testing.T, sys *actors.System, probe *actortest.Probe, policy supervisor.Policy,
	obs actors.FailureObserver) *actors.PID {
	t.Helper()
	strategy := actors.NewSupervisorStrategy(policy, zerolog.Nop(), obs)
	props := actors.WithStrategy(actors.PropsOf(func() actors.Actor {
		return &parent{probe: probe.PID()}
	}), strategy)
	sys.Spawn(props)
	// The child's "started" and the parent's report of its PID race.
	var child *actors.PID
	started := false
	for child == nil || !started {
		switch m := probe.ExpectMsg(t, time.Second).(type) {
		case *actors.PID:
			child = m
		case string:
			started = m == "started"
		}
	}
	return child
}

func TestTransientFailureRestartsAfterBackoff(t *testing.T) {
	sys := newSystem(t)
	probe := actortest.NewProbe(t, sys)
	decisions := make(chan supervisor.Decision, 4)
	policy := supervisor.Policy{Backoff: persistence.RetryPolicy{Base: 20 * time.Millisecond, Cap: 40 * time.Millisecond}}
	child := spawnSupervised(t, sys, probe, policy, func(_ *actors.PID, _ any, d supervisor.Decision) { decisions <- d })

	start := time.Now()
	sys.Send(child, &eventstore.ConnectionError{Op: "append", Err: errors.New("reset")})
	if got := probe.ExpectMsg(t, time.Second); got != "started" {
		t.Fatalf("got %v, want started after restart", got)
	}
	d := <-decisions
	if d.Directive != supervisor.Restart || d.Delay < 10*time.Millisecond || d.Delay > 40*time.Millisecond {
		t.Fatalf("decision = %+v", d)
	}
	if waited := time.Since(start); waited < d.Delay {
		t.Fatalf("restarted after %v, before the backoff %v", waited, d.Delay)
	}
}

func TestPoisonInputAndBugsStop(t *testing.T) {
	for name, reason := range map[string]any{
		"input": &eventstore.InputError{Field: "stream"},
		"bug":   7,
	} {
		t.Run(name, func(t *testing.T) {
			sys := newSystem(t)
			probe := actortest.NewProbe(t, sys)
			child := spawnSupervised(t, sys, probe, supervisor.Policy{}, nil)
			probe.Watch(child)
			sys.Send(child, reason)
			probe.ExpectTerminated(t, child, time.Second)
		})
	}
}
