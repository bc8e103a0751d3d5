package streams

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actorstore/actorstore/actors"
)

// Runtime runs the stream actors and the group-commit writer of one process
// over one Store. All its methods are safe for concurrent use.
type Runtime struct {
	sh       *shared
	ownSys   bool
	guardian *actors.PID
	writer   *actors.PID
	registry *actors.PID
	cancel   context.CancelFunc
	txSeq    atomic.Uint64

	mu     sync.RWMutex // held shared by every call; Close takes it alone
	closed bool
}

// New starts a Runtime. ctx bounds only the start-up.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	n := &Runtime{}
	sys := cfg.System
	if sys == nil {
		log := cfg.Logger
		s, err := actors.NewSystem(actors.Config{Logger: &log})
		if err != nil {
			return nil, err
		}
		sys, n.ownSys = s, true
	}
	bg, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.sh = &shared{cfg: cfg, store: cfg.Store, sys: sys, log: cfg.Logger, stats: &counters{}, ctx: bg,
		loads: make(chan struct{}, cfg.MaxLoads),
		live:  newLiveMap()}
	if err := n.spawn(ctx); err != nil {
		n.stop()
		return nil, err
	}
	return n, nil
}

func (n *Runtime) spawn(ctx context.Context) error {
	strategy := actors.NewSupervisorStrategy(n.sh.cfg.Supervision, n.sh.log, nil)
	sh, st := n.sh, newWriterState(n.sh)
	props := actors.PropsOf(func() actors.Actor { return &guardianActor{sh: sh, writerSt: st, strategy: strategy} })
	n.guardian = n.sh.sys.Spawn(actors.WithStrategy(props, strategy))
	n.sh.sys.MarkVital("stream guardian", n.guardian) // readiness fails if it ever stops
	reply, err := actors.Request(ctx, n.sh.sys, n.guardian, &getPIDs{})
	if err != nil {
		return err
	}
	pids := reply.(*nodePIDs)
	n.writer, n.registry = pids.writer, pids.registry
	n.sh.goIO(n.tick)
	return nil
}

// tick drives the registry's idle sweep until the runtime stops.
func (n *Runtime) tick() {
	t := time.NewTicker(max(n.sh.cfg.IdleTimeout/4, 5*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-n.sh.ctx.Done():
			return
		case <-t.C:
			n.sh.sys.Send(n.registry, &sweepTick{})
		}
	}
}

// PassivateIdle stops the actors of the given streams (all streams when
// none are given) that are idle: nothing queued, in flight or reserved.
// Busy actors are left alone. A stopped actor's next request starts a new
// one, which loads the stream's head from the store: a clustered node uses
// this to drop actors whose in-memory head another node may have
// overtaken. It returns at once; safe for concurrent use.
func (n *Runtime) PassivateIdle(streams ...string) {
	n.sh.sys.Send(n.registry, &passivateIdle{streams: streams})
}

// Stats returns a snapshot of the runtime's counters.
func (n *Runtime) Stats() Stats { return n.sh.stats.snapshot() }

// enter marks the start of a call; it fails once the runtime is closed. The
// caller must call n.mu.RUnlock when done.
func (n *Runtime) enter() error {
	n.mu.RLock()
	if n.closed {
		n.mu.RUnlock()
		return &StreamError{Op: "call", Err: ErrClosed}
	}
	return nil
}

// withDefaultTimeout gives ctx the timeout d when it has no deadline.
func withDefaultTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// withDeadline gives ctx the deadline dl when it has none.
func withDeadline(ctx context.Context, dl time.Time) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, dl)
}

// Close stops the runtime gracefully: new calls fail with ErrClosed, every
// accepted append is committed (or answered with an error), then the
// actors stop. ctx bounds the wait; when it ends first, the remaining work
// is cancelled and answered with errors. Close does not close the Store.
func (n *Runtime) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	n.mu.Unlock()
	_, err := actors.Request(ctx, n.sh.sys, n.registry, &drainCmd{})
	if err == nil {
		_, err = actors.Request(ctx, n.sh.sys, n.writer, &drainCmd{})
	}
	n.stop()
	return err
}

// stop stops the actors, cancels background I/O and waits for it.
func (n *Runtime) stop() {
	if n.guardian != nil {
		_ = n.sh.sys.StopWait(context.Background(), n.guardian)
	}
	n.cancel()
	n.sh.wg.Wait()
	if n.ownSys {
		n.sh.sys.Shutdown()
	}
}
