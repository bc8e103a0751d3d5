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
	ch   chan task
	idle atomic.Int64
	done <-chan struct{}
}

// task is f(arg): one function value can serve many tasks (a batch runs
// each of its streams as f(the stream's first append)) without a closure
// per task.
type task struct {
	f   func(int)
	arg int
}

func newWorkers(done <-chan struct{}) *workers {
	return &workers{ch: make(chan task), done: done}
}

// run runs f(arg) on an idle worker, or on a new one.
func (w *workers) run(f func(int), arg int) {
	t := task{f, arg}
	select {
	case w.ch <- t:
	default:
		go w.loop(t)
	}
}

func (w *workers) loop(t task) {
	for {
		t.f(t.arg)
		if w.idle.Add(1) > maxIdleWorkers {
			w.idle.Add(-1)
			return
		}
		select {
		case t = <-w.ch:
			w.idle.Add(-1)
		case <-w.done:
			w.idle.Add(-1)
			return
		}
	}
}
