package actorstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// A bank account: the entity of the tests.
type account struct {
	Balance int `json:"balance"`
	Events  int `json:"events"`
}

type (
	deposit  struct{ N int }
	withdraw struct{ N int }
	boom     struct{} // the handler panics
	wait     struct{ release chan struct{} }
)

var errInsufficient = errors.New("insufficient funds")

type insufficientError struct{ Balance, Wanted int }

func (e *insufficientError) Error() string {
	return fmt.Sprintf("balance %d, wanted %d: %v", e.Balance, e.Wanted, errInsufficient)
}

func foldAccount(a account, e actorstore.RecordedEvent) account {
	var p struct{ N int }
	_ = json.Unmarshal(e.Data, &p)
	switch e.Type {
	case "Deposited":
		a.Balance += p.N
	case "Withdrawn":
		a.Balance -= p.N
	}
	a.Events++
	return a
}

func handleAccount(a account, cmd any) ([]actorstore.EventData, int, error) {
	amount := func(typ string, n int) []actorstore.EventData {
		return []actorstore.EventData{{Type: typ, Data: fmt.Appendf(nil, `{"N":%d}`, n)}}
	}
	switch c := cmd.(type) {
	case deposit:
		return amount("Deposited", c.N), a.Balance + c.N, nil
	case withdraw:
		if c.N > a.Balance {
			return nil, a.Balance, &insufficientError{Balance: a.Balance, Wanted: c.N}
		}
		return amount("Withdrawn", c.N), a.Balance - c.N, nil
	case boom:
		panic(errors.New("boom"))
	case wait:
		<-c.release
		return nil, a.Balance, nil
	}
	return nil, 0, fmt.Errorf("unknown command %T", cmd)
}

func accounts(policy actorstore.SnapshotPolicy) actorstore.Entity[account, any, int] {
	return actorstore.Entity[account, any, int]{Kind: "acct", Fold: foldAccount, Handle: handleAccount,
		Codec: actorstore.JSONCodec[account](1), Snapshots: policy}
}

func register[S, C, R any](t *testing.T, st *actorstore.Store, e actorstore.Entity[S, C, R]) *actorstore.Kind[S, C, R] {
	t.Helper()
	k, err := actorstore.Register(st, e)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func execOK(t *testing.T, k *actorstore.Kind[account, any, int], stream string, cmd any) int {
	t.Helper()
	r, err := k.Execute(context.Background(), stream, cmd)
	if err != nil {
		t.Fatalf("Execute(%s, %T): %v", stream, cmd, err)
	}
	return r
}

// wantState checks that the entity's state is the fold of its stream's
// committed events.
func wantState(t *testing.T, st *actorstore.Store, k *actorstore.Kind[account, any, int], stream string) account {
	t.Helper()
	got, v, err := k.State(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.ReadStream(context.Background(), actorstore.StreamRead{Stream: stream, Limit: 1 << 20})
	if err != nil && !errors.Is(err, actorstore.ErrStreamNotFound) {
		t.Fatal(err)
	}
	var want account
	for _, e := range evs {
		want = foldAccount(want, e)
	}
	if got != want || v != actorstore.Version(len(evs)) {
		t.Fatalf("state %+v at version %d; the fold of the stream is %+v at version %d", got, v, want, len(evs))
	}
	return got
}

// TestEntityExecuteAndReject: commands append their events and advance
// the state; a rejected command writes nothing and its error is typed
// (*RejectedError wrapping the handler's own error, code validation,
// trace ID); a stream of another kind is an *InputError; an unknown kind
// is refused at registration and by the streams layer.
func TestEntityExecuteAndReject(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		k := register(t, st, accounts(actorstore.SnapshotPolicy{}))
		s := k.Stream("1")
		if got := execOK(t, k, s, deposit{10}); got != 10 {
			t.Fatalf("deposit reply %d", got)
		}
		_, res, err := k.Exec(context.Background(), s, withdraw{4})
		if err != nil || res.FirstVersion != 2 || res.LastVersion != 2 {
			t.Fatalf("withdraw: %+v, %v", res, err)
		}
		_, err = k.Execute(context.Background(), s, withdraw{7})
		var re *actorstore.RejectedError
		var ie *insufficientError
		if !errors.As(err, &re) || !errors.As(err, &ie) || ie.Balance != 6 || re.Stream != s ||
			re.Command != "actorstore_test.withdraw" || actorstore.CodeOf(err) != eventstore.CodeValidation ||
			actorstore.TraceIDOf(err) == "" || actorstore.IsRetryable(err) {
			t.Fatalf("rejection = %v (%T), want a *RejectedError wrapping *insufficientError with a trace ID", err, err)
		}
		if a := wantState(t, st, k, s); a.Balance != 6 || a.Events != 2 {
			t.Fatalf("state %+v", a)
		}
		evs, err := st.ReadStream(context.Background(), actorstore.StreamRead{Stream: s, Limit: 10})
		if err != nil || len(evs) != 2 {
			t.Fatalf("read %s: %d events, %v", s, len(evs), err)
		}
		for _, e := range evs { // the handler gave no IDs: the runtime's are time-ordered
			if e.ID.Version() != 7 {
				t.Fatalf("event %d of %s has a version %d ID, want 7 (NewEventID)", e.Version, s, e.ID.Version())
			}
		}
		if _, err := k.Execute(context.Background(), "order-1", deposit{1}); !errors.Is(err, actorstore.ErrInvalidInput) {
			t.Fatalf("a stream of another kind: %v", err)
		}
		if _, err := actorstore.Register(st, accounts(actorstore.SnapshotPolicy{})); !errors.Is(err, actorstore.ErrInvalidInput) {
			t.Fatalf("registering a kind twice: %v", err)
		}
		if _, err := actorstore.Register(st, actorstore.Entity[account, any, int]{Kind: "x"}); !errors.Is(err, actorstore.ErrInvalidInput) {
			t.Fatalf("a kind without Fold and Handle: %v", err)
		}
	})
}

// TestEntityPanicFailsTheCommandAndReloads: a handler that panics fails
// its command with an *EntityError naming the stream, the command type
// and the trace ID (code internal), writes nothing, and the next command
// is decided on the state reloaded from the store.
func TestEntityPanicFailsTheCommandAndReloads(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		k := register(t, st, accounts(actorstore.SnapshotPolicy{}))
		s := k.Stream("p")
		execOK(t, k, s, deposit{5})
		ctx := eventstore.WithTraceID(context.Background(), "trace-of-boom")
		_, err := k.Execute(ctx, s, boom{})
		var ee *actorstore.EntityError
		if !errors.As(err, &ee) || ee.Stream != s || ee.Command != "actorstore_test.boom" || ee.Written ||
			actorstore.TraceIDOf(err) != "trace-of-boom" || actorstore.CodeOf(err) != eventstore.CodeInternal {
			t.Fatalf("panic = %v, want an *EntityError naming stream, command and trace", err)
		}
		loads := st.EntityStats().Loads
		if got := execOK(t, k, s, deposit{1}); got != 6 {
			t.Fatalf("after the panic: balance %d, want 6", got)
		}
		if st.EntityStats().Loads != loads+1 {
			t.Fatalf("the state was not reloaded after the panic: %+v", st.EntityStats())
		}
		wantState(t, st, k, s)
	})
}

// TestEntitySeesPlainAppends: events appended to an entity's stream by a
// plain Append are folded before the next command is decided.
func TestEntitySeesPlainAppends(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		k := register(t, st, accounts(actorstore.SnapshotPolicy{}))
		s := k.Stream("a")
		execOK(t, k, s, deposit{5})
		if _, err := st.Append(context.Background(), s, actorstore.Exact(1),
			actorstore.EventData{ID: uuid.New(), Type: "Deposited", Data: []byte(`{"N":100}`)}); err != nil {
			t.Fatal(err)
		}
		if got := execOK(t, k, s, withdraw{105}); got != 0 {
			t.Fatalf("withdraw after a plain append: balance %d, want 0", got)
		}
		wantState(t, st, k, s)
	})
}

// TestEntityCommandsNeverInterleave: many goroutines send commands to one
// entity; the handler never runs twice at once for it, and the state is
// the fold of every committed event (no deposit lost).
func TestEntityCommandsNeverInterleave(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		var inside, overlaps atomic.Int32
		e := accounts(actorstore.SnapshotPolicy{})
		e.Handle = func(a account, cmd any) ([]actorstore.EventData, int, error) {
			if inside.Add(1) > 1 {
				overlaps.Add(1)
			}
			defer inside.Add(-1)
			return handleAccount(a, cmd)
		}
		k := register(t, st, e)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 10 {
					if _, err := k.Execute(context.Background(), k.Stream("hot"), deposit{1}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if overlaps.Load() != 0 {
			t.Fatalf("the handler ran %d times beside another command of the same entity", overlaps.Load())
		}
		if a := wantState(t, st, k, k.Stream("hot")); a.Balance != 200 {
			t.Fatalf("balance %d, want 200", a.Balance)
		}
	})
}

// TestSlowEntityDelaysOnlyItself: while one entity's handler is blocked,
// another entity's commands complete; a command to the blocked entity
// whose ctx ends gets a timeout and is not run after it.
func TestSlowEntityDelaysOnlyItself(t *testing.T) {
	st := openStore(t, actorstore.Config{DataDir: t.TempDir()})
	k := register(t, st, accounts(actorstore.SnapshotPolicy{}))
	release := make(chan struct{})
	slow := make(chan error, 1)
	go func() {
		_, err := k.Execute(context.Background(), k.Stream("slow"), wait{release})
		slow <- err
	}()
	for i := range 5 {
		execOK(t, k, k.Stream(fmt.Sprint("fast", i)), deposit{1})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := k.Execute(ctx, k.Stream("slow"), deposit{1000})
	var te *actorstore.TimeoutError
	if !errors.As(err, &te) || te.Op != "execute" || te.Stream != k.Stream("slow") || !actorstore.IsRetryable(err) {
		t.Fatalf("a command queued behind a blocked one: %v, want a *TimeoutError of execute naming the stream", err)
	}
	select {
	case err := <-slow:
		t.Fatalf("the slow command returned before it was released: %v", err)
	default:
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	if a := wantState(t, st, k, k.Stream("slow")); a.Balance != 0 {
		t.Fatalf("the timed-out deposit ran after its caller left: %+v", a)
	}
}
