package actors

import (
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// BenchmarkDispatcher: the shape of the writer answering a commit. One
// actor sends a message to each of 128 idle actors, each of which tells a
// channel; an operation is one message to an idle actor. "goroutine" is
// protoactor's default dispatcher (a new goroutine whenever an idle
// mailbox gets a message), "workers" is the one PropsOf uses (with
// -count, go test runs one's rounds before the other's).
//
//	go test -run '^$' -bench Dispatcher -benchmem -benchtime 200000x ./actors
func BenchmarkDispatcher(b *testing.B) {
	for _, d := range []struct {
		name string
		opt  []actor.PropsOption
	}{
		{"goroutine", nil},
		{"workers", []actor.PropsOption{actor.WithDispatcher(dispatcher)}},
	} {
		b.Run(d.name, func(b *testing.B) {
			sys, err := NewSystem(Config{RequestTimeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer sys.Shutdown()
			const fan = 128
			done := make(chan struct{}, fan)
			leaves := make([]*PID, fan)
			for i := range leaves {
				leaves[i] = sys.Spawn(actor.PropsFromFunc(func(c actor.Context) {
					if _, ok := c.Message().(int); ok {
						done <- struct{}{}
					}
				}, d.opt...))
			}
			root := sys.Spawn(actor.PropsFromFunc(func(c actor.Context) {
				if _, ok := c.Message().(string); ok {
					for _, pid := range leaves {
						c.Send(pid, 1)
					}
				}
			}, d.opt...))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += fan {
				sys.Send(root, "go")
				for range fan {
					<-done
				}
			}
		})
	}
}

// TestDispatcherNeverQueues: while one actor's message handler blocks (on
// a worker that took its mailbox), every other actor's messages are still
// processed, however many actors block: a mailbox never waits for a
// worker to come free, since none is ever waited for.
func TestDispatcherNeverQueues(t *testing.T) {
	sys, err := NewSystem(Config{RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown()
	release := make(chan struct{})
	blocked := make(chan struct{})
	const blockers = 64
	for range blockers {
		pid := sys.Spawn(PropsOf(func() Actor { return blockingActor{blocked, release} }))
		sys.Send(pid, 1)
	}
	for range blockers {
		<-blocked
	}
	ran := make(chan struct{})
	pid := sys.Spawn(PropsOf(func() Actor { return signalActor(ran) }))
	sys.Send(pid, 1)
	select {
	case <-ran:
	case <-time.After(30 * time.Second): // a liveness guard, not a timing: it runs at once or never
		t.Fatal("an actor's message waited for blocked actors")
	}
	close(release)
}

type blockingActor struct{ blocked, release chan struct{} }

func (a blockingActor) Receive(c Context) {
	if _, ok := c.Message().(int); ok {
		a.blocked <- struct{}{}
		<-a.release
	}
}

type signalActor chan struct{}

func (a signalActor) Receive(c Context) {
	if _, ok := c.Message().(int); ok {
		close(a)
	}
}
