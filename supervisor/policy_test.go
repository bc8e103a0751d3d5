package supervisor

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

func TestDefaultDecider(t *testing.T) {
	transient := &eventstore.ConnectionError{Host: "db:5432", Op: "append", Attempts: 5, Err: errors.New("reset")}
	tests := []struct {
		name   string
		reason any
		want   Directive
	}{
		{"non-error panic is a bug", "boom", Stop},
		{"nil error value", error(nil), Stop},
		{"transient storage error", transient, Restart},
		{"wrapped transient error", fmt.Errorf("flush: %w", transient), Restart},
		{"deadline", context.DeadlineExceeded, Restart},
		{"input error", &eventstore.InputError{Field: "stream"}, Stop},
		{"duplicate event", &eventstore.DuplicateEventError{Stream: "s"}, Stop},
		{"concurrency", &eventstore.ConcurrencyError{Stream: "s"}, Stop},
		{"closed store", eventstore.ErrClosed, Stop},
		{"cancelled", context.Canceled, Stop},
		{"other error", errors.New("bug in state machine"), Restart},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DefaultDecider(tc.reason); got != tc.want {
				t.Fatalf("DefaultDecider(%v) = %v, want %v", tc.reason, got, tc.want)
			}
		})
	}
}

func TestPolicyDecide(t *testing.T) {
	transient := &eventstore.ConnectionError{Err: errors.New("reset")}
	p := Policy{MaxFailures: 3, Backoff: persistence.RetryPolicy{Base: 10 * time.Millisecond, Cap: 80 * time.Millisecond}}
	tests := []struct {
		name     string
		p        Policy
		reason   any
		failures int
		jitter   float64
		want     Decision
	}{
		{"first transient failure, no jitter", p, transient, 1, 0.5, Decision{Restart, 10 * time.Millisecond}},
		{"third transient failure doubles twice", p, transient, 3, 0.5, Decision{Restart, 40 * time.Millisecond}},
		{"low jitter halves", p, transient, 2, 0, Decision{Restart, 10 * time.Millisecond}},
		{"too many failures escalate", p, transient, 4, 0.5, Decision{Directive: Escalate}},
		{"plain error restarts at once", p, errors.New("x"), 1, 0.5, Decision{Directive: Restart}},
		{"input error stops", p, &eventstore.InputError{}, 1, 0.5, Decision{Directive: Stop}},
		{"bug stops", p, 42, 1, 0.5, Decision{Directive: Stop}},
		{"bug escalates when asked", Policy{EscalateBugs: true}, 42, 1, 0.5, Decision{Directive: Escalate}},
		{"custom decider", Policy{Decider: func(any) Directive { return Resume }}, errors.New("x"), 1, 0.5, Decision{Directive: Resume}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.Decide(tc.reason, tc.failures, tc.jitter); got != tc.want {
				t.Fatalf("Decide = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestBackoffIsExponentialAndCapped(t *testing.T) {
	r := persistence.RetryPolicy{Base: 10 * time.Millisecond, Cap: 100 * time.Millisecond}
	tests := []struct {
		n      int
		jitter float64
		want   time.Duration
	}{
		{1, 0.5, 10 * time.Millisecond},
		{2, 0.5, 20 * time.Millisecond},
		{3, 0.5, 40 * time.Millisecond},
		{4, 0.5, 80 * time.Millisecond},
		{5, 0.5, 100 * time.Millisecond},
		{50, 0.5, 100 * time.Millisecond},
		{50, 0.99, 100 * time.Millisecond}, // jitter never exceeds the cap
		{4, 0, 40 * time.Millisecond},
		{1, 7, 10 * time.Millisecond}, // out-of-range jitter is neutral
	}
	for _, tc := range tests {
		if got := Backoff(r, tc.n, tc.jitter); got != tc.want {
			t.Errorf("Backoff(n=%d, jitter=%v) = %v, want %v", tc.n, tc.jitter, got, tc.want)
		}
	}
}
