package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// workers is the protoactor Dispatcher of every actor made by PropsOf.
// protoactor's default one starts a goroutine each time an idle mailbox
// gets a message (go fn()), so on the append path every message to an
// idle actor (an append to its stream actor, a commit's answer to each
// stream actor of the batch) paid for a new goroutine and for growing its
// small stack again. workers hands the mailbox's run to a goroutine parked
// after an earlier run when one is waiting, and starts a new one (as the
// default does) only when none is: it never queues, so an actor that
// blocks cannot hold up another's messages, exactly as with the default.
// A parked goroutine that gets no work for workerIdle ends.
type workers struct {
	work chan func()
	// throughput is how many messages a mailbox processes before it yields
	// (runtime.Gosched), protoactor's default.
	throughput int
}

// workerIdle is how long a parked goroutine waits for work before it ends.
const workerIdle = 100 * time.Millisecond

var dispatcher = &workers{work: make(chan func()), throughput: 300}

var _ actor.Dispatcher = dispatcher

// Schedule runs fn on a parked goroutine, or on a new one when none waits.
func (d *workers) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		go d.run(fn)
	}
}

// Throughput implements actor.Dispatcher.
func (d *workers) Throughput() int { return d.throughput }

func (d *workers) run(fn func()) {
	fn()
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		select {
		case fn = <-d.work:
			fn()
			idle.Reset(workerIdle)
		case <-idle.C:
			return
		}
	}
}
