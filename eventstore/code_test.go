package eventstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

type coded struct{ c Code }

func (e coded) Error() string   { return "coded" }
func (e coded) ErrorCode() Code { return e.c }
func (e coded) Is(t error) bool { return t == ErrUnavailable } // a Coder's own code wins over its sentinel

// TestCodeOf: the code of every kind of error, including the cases where
// an error matches several sentinels.
func TestCodeOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, CodeUnspecified},
		{"coder in the chain", fmt.Errorf("x: %w", coded{CodeValidation}), CodeValidation},
		{"concurrency", &ConcurrencyError{}, CodeConcurrency},
		{"aborted has its cause's code", &AbortedError{Cause: &ConcurrencyError{}}, CodeConcurrency},
		{"not found", &StreamNotFoundError{}, CodeStreamNotFound},
		{"input", &InputError{}, CodeInvalidInput},
		{"duplicate", &DuplicateEventError{}, CodeDuplicateEvent},
		{"closed", fmt.Errorf("node: %w", ErrClosed), CodeClosed},
		{"connection", &ConnectionError{Err: errors.New("refused")}, CodeUnavailable},
		{"statement timeout is a timeout", &ConnectionError{Err: context.DeadlineExceeded}, CodeTimeout},
		{"cancelled connection is not retryable", &ConnectionError{Err: context.Canceled}, CodeInternal},
		{"deadline", context.DeadlineExceeded, CodeTimeout},
		{"traced", AttachTraceID(&InputError{}, "t"), CodeInvalidInput},
		{"lease held", fmt.Errorf("x: %w", ErrLeaseHeld), CodeLeaseHeld},
		{"lease lost", fmt.Errorf("x: %w", ErrLeaseLost), CodeLeaseLost},
		{"locked", fmt.Errorf("x: %w", ErrLocked), CodeLocked},
		{"unknown", errors.New("boom"), CodeInternal},
	}
	for _, c := range cases {
		if got := CodeOf(c.err); got != c.want {
			t.Errorf("%s: CodeOf = %v, want %v", c.name, got, c.want)
		}
		if IsRetryable(c.err) != c.want.Retryable() {
			t.Errorf("%s: IsRetryable disagrees with the code", c.name)
		}
	}
	if Code(99).String() != "internal" || CodeTimeout.String() != "timeout" {
		t.Error("code names")
	}
}
