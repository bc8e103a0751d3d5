package streams

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/instruments"
)

// EntityKind is an untyped entity kind: the machinery the stream actor
// runs. The root package builds one from its generic, type-safe Kind;
// values of type any here are the user's state, command and reply. Every
// function runs inside the stream actor of one entity (one call at a time
// per entity), except Fold and Decode, which also run in a goroutine of
// their own while the entity loads (never at the same time as the actor
// uses the same state).
type EntityKind struct {
	// Name owns the streams Name + "-" + id. Required; must not be a prefix
	// of a registered kind (a stream belongs to one kind).
	Name string
	// Init returns the state of an entity with no events. Required.
	Init func() any
	// Fold returns the state after one committed event. It must not change
	// the state it is given (return a new value). Required.
	Fold func(state any, e eventstore.RecordedEvent) any
	// Handle decides a command on the current state: the events to append
	// (none is fine) and the reply, or an error that rejects the command
	// (nothing is written). It must not change state. Required.
	Handle func(state any, cmd any) ([]eventstore.EventData, any, error)
	// Codec encodes the state for snapshots; nil: no snapshots.
	Codec *StateCodec
	// Snapshots says when the actor stores a snapshot (with Codec).
	Snapshots SnapshotPolicy
	// Remote decodes the commands peers send and encodes their replies
	// (ExecuteEncoded); nil: the kind takes commands from Go only.
	Remote *RemoteCodec
}

// StateCodec encodes an entity's state for snapshots.
type StateCodec struct {
	// SchemaVersion is stored with each snapshot; a snapshot of another
	// schema version is ignored (the state is folded from the first event).
	SchemaVersion uint32
	Encode        func(state any) ([]byte, error)
	Decode        func(b []byte) (any, error)
}

// SnapshotPolicy says when a snapshot of an entity is stored. The zero
// value stores none.
type SnapshotPolicy struct {
	// Every N events folded since the last snapshot (0: never).
	Every int
	// OnPassivation: when the actor stops (passivation, Close) with events
	// folded since the last snapshot.
	OnPassivation bool
}

// ExecuteResult is what an Execute returns: the handler's reply and, when
// the command appended events, their append result.
type ExecuteResult struct {
	Reply  any
	Append eventstore.AppendResult // zero when the command appended nothing
}

// validate reports the first missing part of k.
func (k *EntityKind) validate() error {
	switch {
	case k.Name == "" || strings.ContainsRune(k.Name, '-'):
		return &eventstore.InputError{Field: "kind", Rule: "name",
			Message: "an entity kind needs a name without '-' (kind order owns streams order-<id>)"}
	case k.Init == nil || k.Fold == nil || k.Handle == nil:
		return &eventstore.InputError{Field: "kind", Rule: "required",
			Message: "an entity kind needs Init, Fold and Handle"}
	case k.Codec != nil && (k.Codec.Encode == nil || k.Codec.Decode == nil):
		return &eventstore.InputError{Field: "kind.codec", Rule: "required", Message: "a codec needs Encode and Decode"}
	case k.Remote != nil && (k.Remote.DecodeCommand == nil || k.Remote.EncodeReply == nil):
		return &eventstore.InputError{Field: "kind.remote", Rule: "required",
			Message: "a remote codec needs DecodeCommand and EncodeReply"}
	case k.Snapshots.Every < 0:
		return &eventstore.InputError{Field: "kind.snapshots.every", Rule: "min", Message: "must not be negative"}
	}
	return nil
}

// kindRegistry maps stream prefixes to kinds. Safe for concurrent use.
type kindRegistry struct {
	mu    sync.RWMutex
	kinds map[string]*EntityKind
}

// owner returns the kind owning stream ("order-1" -> kind "order").
func (r *kindRegistry) owner(stream string) *EntityKind {
	name, id, ok := strings.Cut(stream, "-")
	if !ok || id == "" {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.kinds[name]
}

// RegisterKind registers an entity kind: Execute on a stream
// k.Name-<id> then runs k's handler inside that stream's actor. A kind is
// registered once, for the life of the Runtime. Errors: *eventstore.InputError
// for an incomplete kind or a name already registered.
func (n *Runtime) RegisterKind(k *EntityKind) error {
	if err := k.validate(); err != nil {
		return err
	}
	r := &n.sh.kinds
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kinds == nil {
		r.kinds = make(map[string]*EntityKind)
	}
	if _, dup := r.kinds[k.Name]; dup {
		return &eventstore.InputError{Field: "kind", Rule: "unique",
			Message: fmt.Sprintf("entity kind %q is already registered", k.Name)}
	}
	r.kinds[k.Name] = k
	return nil
}

// Execute runs cmd on the entity of stream, inside the stream's actor:
// the handler decides on the state folded from every committed event of
// the stream, its events are appended at the version the state was folded
// to, and the state advances only once they are committed. Commands to one
// entity run one at a time, in arrival order; commands to different
// entities run in parallel and share group commits.
//
// It is bounded by ctx and, without a deadline, by Config.RequestTimeout;
// a command whose caller stopped waiting before it started is not run.
// Errors: *eventstore.UnknownKindError, *eventstore.RejectedError (the handler's error),
// *eventstore.EntityError (the entity's code panicked or failed),
// *eventstore.ConcurrencyError (another writer kept winning, after
// retries), *eventstore.TimeoutError (the outcome is unknown when the command
// had started), the storage errors of Append, *StreamError.
//
// Each call is measured (instruments.OpExecute: the actorstore.execute
// span with the stream and the command's type, the
// actorstore.execute.duration histogram, failures by code) and its error
// carries the trace ID.
func (n *Runtime) Execute(ctx context.Context, stream string, cmd any) (ExecuteResult, error) {
	ctx, op := n.startExecute(ctx, stream, func() string { return cmdType(cmd) })
	res, err := n.execute(ctx, stream, cmd, false)
	return res, op.End(ctx, err)
}

// startExecute starts measuring a command; command names its type (called
// only when tracing).
func (n *Runtime) startExecute(ctx context.Context, stream string, command func() string) (context.Context, instruments.Operation) {
	tel := n.sh.cfg.Instruments
	ctx, _, op := tel.Start(ctx, instruments.OpExecute)
	if tel.Tracing {
		op.SetAttributes(keyStream.String(stream), keyCommand.String(command()))
	}
	return ctx, op
}

// EntityState returns the state of the entity of stream and the version
// it is folded to, served by the stream's actor like a command (after the
// commands before it). The state is shared with the actor: do not change it.
func (n *Runtime) EntityState(ctx context.Context, stream string) (any, eventstore.Version, error) {
	res, err := n.execute(ctx, stream, nil, true)
	if err != nil {
		return nil, 0, err
	}
	st := res.Reply.(stateReply)
	return st.state, st.version, nil
}

func (n *Runtime) execute(ctx context.Context, stream string, cmd any, query bool) (ExecuteResult, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	if err := n.sh.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return ExecuteResult{}, err
	}
	kind := n.sh.kinds.owner(stream)
	if kind == nil {
		return ExecuteResult{}, &eventstore.UnknownKindError{Stream: stream}
	}
	if err := n.enter(); err != nil {
		return ExecuteResult{}, err
	}
	defer n.mu.RUnlock()
	ctx, cancel := withDefaultTimeout(ctx, n.sh.cfg.RequestTimeout)
	defer cancel()
	dl, _ := ctx.Deadline()
	m := &executeCmd{kind: kind, cmd: cmd, query: query, trace: trace, deadline: dl}
	reply, err := actors.Request(ctx, n.sh.sys, n.registry, &routed{stream: stream, msg: m})
	if err != nil {
		return ExecuteResult{}, forCaller(actors.OnStream(err, "execute", stream, eventstore.Any()), stream)
	}
	r, ok := reply.(*executeReply)
	if !ok {
		return ExecuteResult{}, unexpected(stream, reply)
	}
	return r.res, entityErr(r.err, stream)
}

// entityErr passes the entity errors through and the others as forCaller does.
func entityErr(err error, stream string) error {
	var re *eventstore.RejectedError
	var ee *eventstore.EntityError
	if errors.As(err, &re) || errors.As(err, &ee) {
		return err
	}
	return forCaller(err, stream)
}

// executeCmd asks a stream actor to run a command of its entity (or, with
// query, to answer its state); the reply is an executeReply.
type executeCmd struct {
	kind     *EntityKind
	cmd      any
	query    bool
	trace    string
	deadline time.Time // the caller stops waiting then
}

// executeReply answers an executeCmd.
type executeReply struct {
	res ExecuteResult
	err error
}

// stateReply is the Reply of a state query.
type stateReply struct {
	state   any
	version eventstore.Version
}

// entityLoaded carries an entity's state loaded (or caught up) off the mailbox.
type entityLoaded struct {
	epoch   uint64
	state   any
	version eventstore.Version
	snapVer eventstore.Version // the version of the snapshot it started from (0: none)
	err     error
}
