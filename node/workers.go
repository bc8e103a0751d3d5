package node

import "sync/atomic"

// maxIdleWorkers bounds the goroutines kept waiting for the next request.
const maxIdleWorkers = 512

// workers runs the node's requests off the API actor's mailbox on reused
// goroutines: a goroutine that served one request keeps its grown stack
// and takes the next, instead of a new goroutine growing its stack again
// for every append (runtime.copystack was ~6-13% of the node's CPU under
// 256 callers). When no worker is idle a new one starts; at most
// maxIdleWorkers wait, the others end. Idle workers end when the node
// closes.
type workers struct {
	ch   chan func()
	idle atomic.Int64
	done <-chan struct{}
}

func newWorkers(done <-chan struct{}) *workers {
	return &workers{ch: make(chan func()), done: done}
}

// run runs f on an idle worker, or on a new one.
func (w *workers) run(f func()) {
	select {
	case w.ch <- f:
	default:
		go w.loop(f)
	}
}

func (w *workers) loop(f func()) {
	for {
		f()
		if w.idle.Add(1) > maxIdleWorkers {
			w.idle.Add(-1)
			return
		}
		select {
		case f = <-w.ch:
			w.idle.Add(-1)
		case <-w.done:
			w.idle.Add(-1)
			return
		}
	}
}
