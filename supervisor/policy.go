package supervisor

import (
	"time"

	"github.com/actorstore/actorstore/persistence"
)

// Policy is a complete supervision policy: a Decider plus the limits and the
// backoff that turn its Directive into a Decision. The zero value is usable:
// zero fields take the documented defaults.
type Policy struct {
	// Decider maps a failure to a Directive. Default DefaultDecider.
	Decider Decider
	// MaxFailures is how many failures of one child within Window are
	// tolerated; one more escalates. Default 10.
	MaxFailures int
	// Window is the period failures are counted in. Default 10s.
	Window time.Duration
	// Backoff is the restart delay after a transient failure: Base doubling
	// per recent failure up to Cap, with jitter in [0.5, 1.5). Default
	// persistence.DefaultRetryPolicy's Base and Cap.
	Backoff persistence.RetryPolicy
	// EscalateBugs escalates non-error panics instead of stopping the child.
	EscalateBugs bool
}

// WithDefaults returns p with zero fields set to their defaults.
func (p Policy) WithDefaults() Policy {
	if p.Decider == nil {
		p.Decider = DefaultDecider
	}
	if p.MaxFailures <= 0 {
		p.MaxFailures = 10
	}
	if p.Window <= 0 {
		p.Window = 10 * time.Second
	}
	p.Backoff = p.Backoff.WithDefaults()
	return p
}

// Decide is the pure heart of supervision. recentFailures counts the
// child's failures within p.Window including this one; jitter is a random
// number in [0, 1).
func (p Policy) Decide(reason any, recentFailures int, jitter float64) Decision {
	p = p.WithDefaults()
	if recentFailures > p.MaxFailures {
		return Decision{Directive: Escalate}
	}
	d := p.Decider(reason)
	if _, isErr := reason.(error); !isErr && p.EscalateBugs {
		d = Escalate
	}
	if d != Restart || !IsTransient(reason) {
		return Decision{Directive: d}
	}
	return Decision{Directive: Restart, Delay: Backoff(p.Backoff, recentFailures, jitter)}
}

// Backoff returns the delay before restart number n (1 for the first
// failure): min(Cap, Base*2^(n-1)) scaled by a factor in [0.5, 1.5) taken
// from jitter in [0, 1), and never above Cap.
func Backoff(r persistence.RetryPolicy, n int, jitter float64) time.Duration {
	r = r.WithDefaults()
	d := r.Base
	for i := 1; i < n && d < r.Cap; i++ {
		d *= 2
	}
	d = min(d, r.Cap)
	if jitter < 0 || jitter >= 1 {
		jitter = 0.5
	}
	return min(time.Duration(float64(d)*(0.5+jitter)), r.Cap)
}
