package streams

import (
	"container/list"
	"time"

	"github.com/actorstore/actorstore/actors"
)

// registryActor spawns one stream actor per stream on demand, as its
// children (it supervises them), routes messages to them, and passivates
// idle ones: unused for IdleTimeout (checked on a sweepTick), and least
// recently used first when more than MaxLiveStreams are live.
//
// Passivation never loses a message: an actor reports itself idle with the
// number of routed messages it has seen, and the registry stops it only if
// that is every message routed to it, by the registry or by callers that
// sent straight to the PID it publishes (live.go, ADR 0026).
type registryActor struct {
	sh      *shared
	writer  *actors.PID
	entries map[string]*entry
	byPID   map[string]string // child PID ID -> stream, until the child has terminated
	lru     *list.List        // of *entry, most recently used first
	walks   uint64            // walks of enforceCap so far
	drain   *drainState
}

type entry struct {
	stream string
	pid    *actors.PID
	ref    *liveRef // published in shared.live; counts the messages routed to it
	lastN  uint64   // ref's count when the registry last looked (see sweep)
	walk   uint64   // the last walk of enforceCap that looked at it
	elem   *list.Element
	used   time.Time // when a message was last routed to it
	asked  time.Time // when it was last asked to passivate (zero: not since its last use)
}

type drainState struct {
	replyTo *actors.PID
	pending map[string]struct{} // child PID IDs not yet drained
}

func newRegistry(sh *shared, writer *actors.PID) *registryActor {
	return &registryActor{sh: sh, writer: writer, entries: make(map[string]*entry),
		byPID: make(map[string]string), lru: list.New()}
}

func (r *registryActor) Receive(c actors.Context) {
	switch m := c.Message().(type) {
	case *routed:
		r.route(c, m.stream, m.msg, false)
	case *appendCmd: // sent without the routed wrapper (Runtime.Append)
		r.route(c, m.stream, m, true)
	case *readCmd: // likewise (Runtime.ReadStream)
		r.route(c, m.read.Stream, m, true)
	case *reserveCmd: // likewise (Runtime.Transact)
		r.route(c, m.req.Stream, m, true)
	case *idleReport:
		r.onIdle(c, m)
	case *actors.Terminated:
		r.onTerminated(c, m)
	case *sweepTick:
		r.sweep(c)
	case *passivateIdle:
		r.passivateIdle(c, m.streams)
	case *drainCmd:
		r.startDrain(c)
	case *drainedReply:
		r.drained(c, m.pid)
	}
}

// route delivers msg to the actor of stream, spawning it when needed, with
// the sender kept. forward: msg is the message being handled, passed on in
// its own envelope (nothing allocated).
func (r *registryActor) route(c actors.Context, stream string, msg any, forward bool) {
	e := r.entries[stream]
	if e == nil {
		switch msg.(type) {
		case *readCmd:
			c.Respond(&notLive{})
			return
		case *releaseCmd:
			return
		}
		e = r.spawn(c, stream)
	}
	if h := r.sh.cfg.hooks.routed; h != nil {
		h(stream, msg)
	}
	e.ref.n.Add(1) // never closed while in entries
	e.lastN = e.ref.count()
	e.used, e.asked = time.Now(), time.Time{}
	r.lru.MoveToFront(e.elem)
	if forward {
		c.Forward(e.pid)
		return
	}
	c.RequestWithCustomSender(e.pid, msg, c.Sender())
}

func (r *registryActor) spawn(c actors.Context, stream string) *entry {
	cell := &streamCell{}
	sh, writer := r.sh, r.writer
	pid := c.Spawn(actors.PropsOf(func() actors.Actor { return newStreamActor(sh, writer, stream, cell) }))
	e := &entry{stream: stream, pid: pid, ref: &liveRef{pid: pid}, used: time.Now()}
	r.entries[stream] = e
	r.sh.live.put(stream, e.ref)
	r.byPID[pid.Id] = stream
	r.sh.stats.live.Store(int64(len(r.byPID)))
	r.enforceCap(c) // before e joins the list: the others are less recently used
	e.elem = r.lru.PushFront(e)
	return e
}

// enforceCap asks the least recently used actors beyond the cap to
// passivate; each does so only if it is idle. An actor that callers used
// directly since the registry last looked moves to the front first, so
// it is asked only once the walk comes round to it.
func (r *registryActor) enforceCap(c actors.Context) {
	over := len(r.entries) - r.sh.cfg.MaxLiveStreams
	now := time.Now()
	r.walks++
	for el := r.lru.Back(); el != nil && over > 0; {
		e, next := el.Value.(*entry), el.Prev()
		if e.walk != r.walks {
			e.walk = r.walks // looked at once per walk
			if r.usedDirectly(e, now) {
				if next == nil { // it was the front and still is
					next = el
				}
				el = next
				continue
			}
		}
		el = next
		if e.asked.IsZero() {
			e.asked = now
			c.Send(e.pid, &checkIdle{})
			over--
		}
	}
}

// sweep asks the actors unused for IdleTimeout to passivate, least
// recently used first (an actor still busy is asked again a timeout later).
// The registry keeps the clock instead of a timer per actor.
func (r *registryActor) sweep(c actors.Context) {
	idle := r.sh.cfg.IdleTimeout
	now := time.Now()
	for el := r.lru.Back(); el != nil; {
		e := el.Value.(*entry)
		el = el.Prev()
		if now.Sub(e.used) < idle {
			return
		}
		if r.usedDirectly(e, now) {
			continue
		}
		if now.Sub(e.asked) >= idle {
			e.asked = now
			c.Send(e.pid, &checkIdle{})
		}
	}
}

// passivateIdle asks the actors of streams (all when none) to passivate;
// each does so only if it is idle.
func (r *registryActor) passivateIdle(c actors.Context, streams []string) {
	if len(streams) == 0 {
		for _, e := range r.entries {
			c.Send(e.pid, &checkIdle{})
		}
		return
	}
	for _, s := range streams {
		if e := r.entries[s]; e != nil {
			c.Send(e.pid, &checkIdle{})
		}
	}
}

// usedDirectly reports whether callers sent e's actor messages the
// registry has not seen since it last looked; if so, e counts as used now.
func (r *registryActor) usedDirectly(e *entry, now time.Time) bool {
	n := e.ref.count()
	if n == e.lastN {
		return false
	}
	e.lastN = n
	e.used, e.asked = now, time.Time{}
	r.lru.MoveToFront(e.elem)
	return true
}

func (r *registryActor) onIdle(c actors.Context, m *idleReport) {
	e := r.entries[m.stream]
	if e == nil || !actors.SamePID(e.pid, m.pid) || !e.ref.closeIf(m.seen) {
		return // a message is on its way to it: it is not idle
	}
	r.remove(e)
	r.sh.stats.passivations.Add(1)
	c.Stop(e.pid)
}

func (r *registryActor) onTerminated(c actors.Context, m *actors.Terminated) {
	stream, ok := r.byPID[m.Who.Id]
	if !ok {
		return
	}
	delete(r.byPID, m.Who.Id)
	r.sh.stats.live.Store(int64(len(r.byPID)))
	if e := r.entries[stream]; e != nil && actors.SamePID(e.pid, m.Who) {
		r.remove(e)
	}
	if r.drain != nil {
		r.drained(c, m.Who)
	}
}

func (r *registryActor) remove(e *entry) {
	e.ref.close()
	r.sh.live.remove(e.stream, e.ref)
	delete(r.entries, e.stream)
	r.lru.Remove(e.elem)
}

// startDrain asks every stream actor to report once all its accepted
// appends are answered, and answers the sender when all have.
func (r *registryActor) startDrain(c actors.Context) {
	r.drain = &drainState{replyTo: c.Sender(), pending: make(map[string]struct{})}
	for _, e := range r.entries {
		r.drain.pending[e.pid.Id] = struct{}{}
		c.Request(e.pid, &drainCmd{})
	}
	r.drained(c, nil)
}

func (r *registryActor) drained(c actors.Context, who *actors.PID) {
	if r.drain == nil {
		return
	}
	if who != nil {
		delete(r.drain.pending, who.Id)
	}
	if len(r.drain.pending) == 0 {
		c.Send(r.drain.replyTo, &drainedReply{pid: c.Self()})
		r.drain = nil
	}
}
