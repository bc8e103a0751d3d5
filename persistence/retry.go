package persistence

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryPolicy says how often and how long a transient failure is retried:
// exponential backoff from Base, doubling up to Cap, with full jitter
// (each wait is a random duration in [0.5, 1.5] times the nominal one).
// The zero value of a field means its default (DefaultRetryPolicy).
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries. Default 5.
	MaxAttempts int
	// Base is the first wait. Default 50ms.
	Base time.Duration
	// Cap is the longest wait. Default 2s.
	Cap time.Duration
}

// DefaultRetryPolicy is used for zero fields of a RetryPolicy.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 5, Base: 50 * time.Millisecond, Cap: 2 * time.Second}

// WithDefaults returns p with zero fields set to their defaults.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.Base <= 0 {
		p.Base = DefaultRetryPolicy.Base
	}
	if p.Cap <= 0 {
		p.Cap = DefaultRetryPolicy.Cap
	}
	if p.Cap < p.Base {
		p.Cap = p.Base
	}
	return p
}

// NewBackOff returns a fresh exponential backoff with jitter for p.
func (p RetryPolicy) NewBackOff() backoff.BackOff {
	p = p.WithDefaults()
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = p.Base
	b.MaxInterval = p.Cap
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	b.Reset()
	return b
}

// Retry calls op until it succeeds, returns an error for which retryable is
// false, the attempts are used up, or ctx ends. It returns op's last result,
// the last error, and the number of attempts made. Waiting honours ctx.
func Retry[T any](ctx context.Context, p RetryPolicy, retryable func(error) bool,
	op func(ctx context.Context) (T, error)) (T, int, error) {
	p = p.WithDefaults()
	b := p.NewBackOff()
	var (
		res T
		err error
	)
	for attempt := 1; ; attempt++ {
		res, err = op(ctx)
		if err == nil || !retryable(err) || attempt >= p.MaxAttempts || ctx.Err() != nil {
			return res, attempt, err
		}
		wait := b.NextBackOff()
		if wait == backoff.Stop {
			return res, attempt, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, attempt, err
		case <-t.C:
		}
	}
}
