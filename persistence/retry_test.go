package persistence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

func TestRetry(t *testing.T) {
	fast := RetryPolicy{MaxAttempts: 4, Base: time.Microsecond, Cap: 10 * time.Microsecond}
	transient := &eventstore.ConnectionError{Op: "x", Err: errors.New("reset")}
	cases := []struct {
		name     string
		failures int // failures before success; -1 fails forever
		err      error
		attempts int
		wantErr  bool
	}{
		{"first try", 0, transient, 1, false},
		{"after two transient failures", 2, transient, 3, false},
		{"attempts used up", -1, transient, 4, true},
		{"final error is not retried", -1, &eventstore.ConcurrencyError{}, 1, true},
	}
	for _, c := range cases {
		calls := 0
		res, attempts, err := Retry(context.Background(), fast, eventstore.IsRetryable, func(context.Context) (int, error) {
			calls++
			if c.failures < 0 || calls <= c.failures {
				return 0, c.err
			}
			return 42, nil
		})
		if attempts != c.attempts || calls != c.attempts || (err != nil) != c.wantErr || (!c.wantErr && res != 42) {
			t.Errorf("%s: res %d, attempts %d, calls %d, err %v", c.name, res, attempts, calls, err)
		}
	}
}

func TestRetryStopsWhenCtxEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	slow := RetryPolicy{MaxAttempts: 100, Base: time.Hour, Cap: time.Hour}
	_, attempts, err := Retry(ctx, slow, eventstore.IsRetryable, func(context.Context) (int, error) {
		cancel() // the wait that follows must end at once
		return 0, eventstore.ErrUnavailable
	})
	if attempts != 1 || !errors.Is(err, eventstore.ErrUnavailable) {
		t.Fatalf("attempts %d, err %v", attempts, err)
	}
}

func TestRetryPolicyWithDefaults(t *testing.T) {
	if got := (RetryPolicy{}).WithDefaults(); got != DefaultRetryPolicy {
		t.Fatalf("zero policy: %+v", got)
	}
	if got := (RetryPolicy{Base: time.Second, Cap: time.Millisecond}).WithDefaults(); got.Cap != time.Second {
		t.Fatalf("Cap below Base is not raised: %+v", got)
	}
}
