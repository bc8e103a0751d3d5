package streams

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
)

// maxEntityAttempts bounds how often one command is decided again after
// another writer won the stream (its append met a concurrency error).
const maxEntityAttempts = 3

// entityState is the stream actor's entity: the user's state, folded from
// every committed event up to version, beside the head and the cache. It
// is loaded when the first command arrives and advanced only after an
// append commits; it is dropped (nil) on passivation, on restart and when
// the entity's code fails.
type entityState struct {
	kind    *EntityKind
	state   any
	version eventstore.Version // the last event folded into state
	snapVer eventstore.Version // the newest snapshot stored or loaded
	loaded  bool
	loading bool
	epoch   uint64
	cmds    []*entityCmd // waiting, in arrival order
	running *entityCmd   // its events are being appended
}

// entityCmd is one Execute waiting for, or being served by, the entity.
type entityCmd struct {
	m        *executeCmd
	sender   *actors.PID
	attempts int
	events   []eventstore.EventData
	reply    any
}

// entityBusy reports whether the entity holds work (the actor is not idle).
func (s *streamActor) entityBusy() bool {
	return s.ent != nil && (len(s.ent.cmds) > 0 || s.ent.running != nil || s.ent.loading)
}

// onExecute queues a command for the entity of this stream.
func (s *streamActor) onExecute(c actors.Context, m *executeCmd) {
	if s.ent == nil {
		s.ent = &entityState{kind: m.kind}
	}
	s.ent.cmds = append(s.ent.cmds, &entityCmd{m: m, sender: c.Sender()})
}

// pumpEntity serves the waiting commands, one at a time: when nothing
// else of the stream is pending, with the state folded to exactly the
// committed version. It runs after every message the actor handles.
func (s *streamActor) pumpEntity(c actors.Context) {
	e := s.ent
	for e != nil && e.running == nil && len(e.cmds) > 0 && s.ready && !e.loading && s.quiet() {
		switch {
		case !e.loaded:
			s.loadEntity(c, true)
			return
		case e.version > s.committed:
			s.reload(c) // another writer committed beyond this actor's head
			return
		case e.version < s.committed:
			if !s.catchUpFromCache(c) {
				s.loadEntity(c, false)
				return
			}
			continue
		}
		cmd := e.cmds[0]
		e.cmds = e.cmds[1:]
		s.runCommand(c, cmd)
	}
}

// quiet reports that no append or transaction of the stream is pending,
// so the committed version is the version the next append is checked at.
func (s *streamActor) quiet() bool {
	return !s.writing() && len(s.queue) == 0 && s.tx == nil && len(s.reserves) == 0 && len(s.held) == 0 &&
		s.del.quiet()
}

// runCommand decides one command on the current state and appends its
// events, or answers it at once (query, rejection, no events, failure).
func (s *streamActor) runCommand(c actors.Context, cmd *entityCmd) {
	m := cmd.m
	if !m.deadline.IsZero() && time.Now().After(m.deadline) {
		return // the caller stopped waiting: do not decide for nobody
	}
	if m.query {
		s.answerCmd(c, cmd, ExecuteResult{Reply: stateReply{state: s.ent.state, version: s.ent.version}}, nil)
		return
	}
	events, reply, err := s.handle1(m)
	switch {
	case err != nil:
		s.answerCmd(c, cmd, ExecuteResult{}, err)
		return
	case len(events) == 0:
		s.answerCmd(c, cmd, ExecuteResult{Reply: reply}, nil)
		return
	}
	for i := range events {
		if events[i].ID == uuid.Nil {
			events[i].ID = eventstore.NewEventID()
		}
	}
	req := []eventstore.AppendRequest{{Stream: s.stream, Expected: eventstore.Exact(s.committed), Events: events}}
	if err := s.sh.cfg.Limits.ValidateAppend(req); err != nil {
		s.answerCmd(c, cmd, ExecuteResult{}, err)
		return
	}
	cmd.events, cmd.reply, cmd.attempts = events, reply, cmd.attempts+1
	s.ent.running = cmd
	// The append takes the ordinary path (idempotency, flush, group commit);
	// its reply comes back to this actor as an *appendReply.
	s.onAppend(c, envelope{msg: &appendCmd{stream: s.stream, expected: req[0].Expected, events: events,
		trace: m.trace}, sender: c.Self(), at: time.Now()})
}

// handle1 runs the user's handler, turning a panic into an *eventstore.EntityError
// (and dropping the state) and a returned error into a *eventstore.RejectedError.
func (s *streamActor) handle1(m *executeCmd) (events []eventstore.EventData, reply any, err error) {
	defer func() {
		if v := recover(); v != nil {
			s.sh.ent.failures.Add(1)
			err = &eventstore.EntityError{Stream: s.stream, Command: cmdType(m.cmd), Op: "handle", Err: panicError(v)}
			s.dropEntityState()
		}
	}()
	events, reply, err = m.kind.Handle(s.ent.state, m.cmd)
	if err != nil {
		s.sh.ent.rejections.Add(1)
		return nil, nil, &eventstore.RejectedError{Stream: s.stream, Command: cmdType(m.cmd), Reason: err}
	}
	return events, reply, nil
}

// onEntityAppended takes the outcome of the running command's append:
// committed, the state advances by folding its events; refused because
// another writer won, the command is decided again on the caught-up state;
// otherwise the caller gets the error and the state stays.
func (s *streamActor) onEntityAppended(c actors.Context, r *appendReply) {
	e := s.ent
	if e == nil || e.running == nil {
		return // the reply of an incarnation's append whose entity is gone
	}
	cmd := e.running
	e.running = nil
	switch {
	case r.err == nil:
		res := ExecuteResult{Reply: cmd.reply, Append: r.res}
		s.answerCmd(c, cmd, res, s.foldCommitted(c, cmd, r.res))
	case errors.Is(r.err, eventstore.ErrConcurrency) && cmd.attempts < maxEntityAttempts:
		s.sh.ent.redecided.Add(1)
		e.cmds = append([]*entityCmd{cmd}, e.cmds...)
	default:
		s.answerCmd(c, cmd, ExecuteResult{}, r.err)
	}
}

// foldCommitted folds the committed events of cmd into the state (when the
// state is at the version before them) and stores a snapshot if the policy
// says so. A fold that panics drops the state (it is folded again from the
// store before the next command) and fails the command with an
// *eventstore.EntityError whose Written is true.
func (s *streamActor) foldCommitted(c actors.Context, cmd *entityCmd, res eventstore.AppendResult) (err error) {
	e := s.ent
	if !e.loaded || e.version+1 != res.FirstVersion {
		return nil // caught up from the store before the next command
	}
	evs := recordedEvents(s.stream, cmd.events, res, time.Now())
	defer func() {
		if v := recover(); v != nil {
			s.sh.ent.failures.Add(1)
			err = &eventstore.EntityError{Stream: s.stream, Command: cmdType(cmd.m.cmd), Op: "fold", Written: true, Err: panicError(v)}
			s.dropEntityState()
		}
	}()
	state := e.state
	for i := range evs {
		state = e.kind.Fold(state, evs[i])
	}
	e.state, e.version = state, res.LastVersion
	s.maybeSnapshot(c, false)
	return nil
}

// catchUpFromCache folds the events between the state's version and the
// committed one from the actor's cache of recent events; false when the
// cache does not hold them all (they are read from the store instead).
func (s *streamActor) catchUpFromCache(c actors.Context) (ok bool) {
	e := s.ent
	n := s.committed - e.version
	if n > uint64(s.sh.cfg.MaxBatchEvents) {
		return false
	}
	evs, hit, err := s.cache.read(eventstore.StreamRead{Stream: s.stream, From: e.version + 1,
		Direction: eventstore.Forward, Limit: int(n)})
	if !hit || err != nil || uint64(len(evs)) != n || evs[len(evs)-1].Version != s.committed {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			s.sh.ent.failures.Add(1)
			s.failEntityCmds(c, &eventstore.EntityError{Stream: s.stream, Op: "fold", Err: panicError(v)})
			ok = true
		}
	}()
	state := e.state
	for i := range evs {
		state = e.kind.Fold(state, evs[i])
	}
	e.state, e.version = state, s.committed
	s.maybeSnapshot(c, false)
	return true
}

// dropEntityState forgets the state; the next command loads it again.
func (s *streamActor) dropEntityState() {
	e := s.ent
	e.state, e.loaded, e.version = nil, false, 0
	e.epoch++
}

// failEntityCmds answers every waiting command with err and drops the state.
func (s *streamActor) failEntityCmds(c actors.Context, err error) {
	e := s.ent
	cmds := e.cmds
	e.cmds = nil
	for _, cmd := range cmds {
		s.answerCmd(c, cmd, ExecuteResult{}, err)
	}
	s.dropEntityState()
	e.loading = false
}

// failEntity answers the entity's callers when the actor restarts or
// stops: a running command whose append was sent gets ErrOutcomeUnknown
// (it may be committed), the others err. The state goes with the actor.
func (s *streamActor) failEntity(c actors.Context, err error) {
	e := s.ent
	if e == nil {
		return
	}
	if e.running != nil {
		s.answerCmd(c, e.running, ExecuteResult{}, s.streamErr("execute", ErrOutcomeUnknown))
		e.running = nil
	}
	s.failEntityCmds(c, s.streamErr("execute", err))
	s.ent = nil
}

func (s *streamActor) answerCmd(c actors.Context, cmd *entityCmd, res ExecuteResult, err error) {
	if cmd.sender != nil {
		c.Send(cmd.sender, &executeReply{res: res, err: err})
	}
}

func cmdType(cmd any) string { return fmt.Sprintf("%T", cmd) }
