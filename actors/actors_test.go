package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

func TestMain(m *testing.M) {
	if os.Getenv("ACTORSTORE_TEST_GUARD_PEER") != "" { // a peer process of remote_guard_test.go
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

func newSystem(t *testing.T) *actors.System {
	t.Helper()
	sys, err := actors.NewSystem(actors.Config{RequestTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Shutdown)
	return sys
}

// echo replies to strings and ignores everything else.
type echo struct{}

func (echo) Receive(c actors.Context) {
	if s, ok := c.Message().(string); ok {
		c.Respond("echo:" + s)
	}
}

func TestRequestReplies(t *testing.T) {
	sys := newSystem(t)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return echo{} }))
	got, err := actors.Request(context.Background(), sys, pid, "hi")
	if err != nil || got != "echo:hi" {
		t.Fatalf("Request = %v, %v", got, err)
	}
}

func TestRequestTimeoutIsTyped(t *testing.T) {
	sys := newSystem(t)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return echo{} }))
	ctx, cancel := context.WithTimeout(eventstore.WithTraceID(context.Background(), "t-1"), 20*time.Millisecond)
	defer cancel()
	_, err := actors.Request(ctx, sys, pid, 42) // never answered
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || te.Target != pid.String() {
		t.Fatalf("err = %v, want *TimeoutError naming the PID", err)
	}
	if !errors.Is(err, eventstore.ErrTimeout) || !eventstore.IsRetryable(err) {
		t.Fatalf("timeout should be eventstore.ErrTimeout and retryable: %v", err)
	}
}

func TestRequestHonoursCancel(t *testing.T) {
	sys := newSystem(t)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return echo{} }))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := actors.Request(ctx, sys, pid, 42); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel2)
	if _, err := actors.Request(ctx2, sys, pid, 42); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestRequestToDeadActor(t *testing.T) {
	sys := newSystem(t)
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return echo{} }))
	if err := sys.StopWait(context.Background(), pid); err != nil {
		t.Fatal(err)
	}
	if _, err := actors.Request(context.Background(), sys, pid, "x"); !errors.Is(err, actors.ErrDeadLetter) {
		t.Fatalf("err = %v, want ErrDeadLetter", err)
	}
}

// syncBuffer is a concurrency-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogsHaveOneMessageKey(t *testing.T) {
	var buf syncBuffer
	log := zerolog.New(&buf)
	sys, err := actors.NewSystem(actors.Config{Logger: &log, DeadLetterLogging: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	pid := sys.Spawn(actors.PropsOf(func() actors.Actor { return echo{} }))
	_ = sys.StopWait(context.Background(), pid)
	_, _ = actors.Request(context.Background(), sys, pid, "to the dead") // logs a dead letter with a "message" attribute
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.Count(line, `"message":`) > 1 {
			t.Fatalf("duplicate message key: %s", line)
		}
	}
}

// TestOnStreamNamesTheStream: a request timeout, which names only the PID
// waited on, becomes a copy naming the operation, the stream and the
// expected version, keeping the PID, the wait and the trace ID attached to
// it; other errors pass unchanged.
func TestOnStreamNamesTheStream(t *testing.T) {
	inner := &eventstore.TimeoutError{Target: "nonhost/$4", Timeout: time.Second}
	err := actors.OnStream(eventstore.AttachTraceID(fmt.Errorf("wrapped: %w", inner), "tr-1"), "append", "orders-1", eventstore.Exact(3))
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) || te.Op != "append" || te.Stream != "orders-1" || te.Expected != eventstore.Exact(3) ||
		te.Timeout != time.Second || te.Target != "nonhost/$4" || eventstore.TraceIDOf(err) != "tr-1" {
		t.Fatalf("OnStream = %#v", err)
	}
	if inner.Stream != "" || !errors.Is(err, eventstore.ErrTimeout) || !eventstore.IsRetryable(err) {
		t.Fatalf("OnStream changed its argument or lost the kind: %v", err)
	}
	if !strings.Contains(err.Error(), `"orders-1"`) || !strings.Contains(err.Error(), "tr-1") {
		t.Fatalf("text does not name the stream and trace: %q", err.Error())
	}
	other := errors.New("other")
	if actors.OnStream(other, "read", "s", eventstore.Any()) != other || actors.OnStream(nil, "read", "s", eventstore.Any()) != nil {
		t.Fatal("OnStream changed an error that is no timeout")
	}
}
