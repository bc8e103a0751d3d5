package actorstore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/streams"
)

// Entity defines an event-sourced entity kind: the state of an entity is
// the fold of its stream's committed events, and commands are decided on
// that state inside the stream's actor (see docs/entities.md). S is the
// state, C the command and R the reply type.
type Entity[S, C, R any] struct {
	// Kind names the kind; kind "order" owns the streams "order-<id>".
	// Required, without '-'.
	Kind string
	// Initial returns the state of an entity with no events; nil means
	// the zero S.
	Initial func() S
	// Fold returns the state after one committed event. It must not
	// change the state it is given in place (maps, slices, pointers): the
	// state may be shared with a reader (Kind.State). Required.
	Fold func(state S, e RecordedEvent) S
	// Handle decides a command: the events to append (none is fine; a zero
	// ID gets a new one) and the reply, or an error, which rejects the
	// command: nothing is written and Execute returns a *RejectedError
	// wrapping it. It must not change state, and may run again for the same
	// command on a newer state when another writer changed the stream
	// meanwhile. Required.
	Handle func(state S, cmd C) ([]EventData, R, error)
	// Codec encodes the state for snapshots; nil stores and reads none.
	Codec *Codec[S]
	// Snapshots says when snapshots are stored (with a Codec): every N
	// events, on passivation, or (zero value) never.
	Snapshots SnapshotPolicy
	// Remote lets peers of a node that serves this store send commands to
	// the kind (docs/protocol.md "Entities"); ProtoCommands builds one for
	// protobuf commands and replies. Nil: commands come from Go only, and a
	// peer's command is refused with an *InputError.
	Remote *RemoteCodec[C, R]
}

// RemoteCodec decodes the commands peers send to a kind and encodes the
// replies they get: a command or a reply travels as a type URL and bytes
// (a google.protobuf.Any on the wire).
type RemoteCodec[C, R any] struct {
	// DecodeCommand returns the command typeURL and b encode, or an error
	// when the kind takes no command of that type.
	DecodeCommand func(typeURL string, b []byte) (C, error)
	// EncodeReply encodes a reply ("" and nil bytes: no reply).
	EncodeReply func(R) (typeURL string, b []byte, err error)
}

// SnapshotPolicy says when an entity's snapshot is stored: Every N
// events folded since the last one, and/or OnPassivation (the stream's
// actor stops: idle, the live-actor cap, Close). The zero value: never.
type SnapshotPolicy struct {
	// Every N events folded since the last snapshot (0: never).
	Every int
	// OnPassivation: when the actor stops (passivation, Close) with events
	// folded since the last snapshot.
	OnPassivation bool
}

// Codec encodes an entity's state in snapshots. SchemaVersion is stored
// with each snapshot: a snapshot of another schema version is ignored
// (counted in EntityStats.SnapshotsIgnored) and the state is folded from
// the first event. Change it whenever the encoding changes.
type Codec[S any] struct {
	SchemaVersion uint32
	Encode        func(S) ([]byte, error)
	Decode        func([]byte) (S, error)
}

// JSONCodec is a Codec that encodes the state with encoding/json.
func JSONCodec[S any](schemaVersion uint32) *Codec[S] {
	return &Codec[S]{SchemaVersion: schemaVersion,
		Encode: func(s S) ([]byte, error) { return json.Marshal(s) },
		Decode: func(b []byte) (S, error) {
			var s S
			err := json.Unmarshal(b, &s)
			return s, err
		}}
}

// Kind is a registered entity kind: its Execute runs commands. Safe for
// concurrent use.
type Kind[S, C, R any] struct {
	st   *Store
	name string
}

// Register registers the entity kind e with st. Errors: *InputError for
// an incomplete definition or a kind name registered already.
func Register[S, C, R any](st *Store, e Entity[S, C, R]) (*Kind[S, C, R], error) {
	k := &streams.EntityKind{Name: e.Kind, Snapshots: streams.SnapshotPolicy(e.Snapshots)}
	if e.Fold != nil {
		k.Fold = func(state any, ev eventstore.RecordedEvent) any { return e.Fold(as[S](state), ev) }
	}
	if e.Handle != nil {
		k.Handle = func(state, cmd any) ([]eventstore.EventData, any, error) {
			return e.Handle(as[S](state), as[C](cmd))
		}
	}
	k.Init = func() any { var s S; return s }
	if e.Initial != nil {
		k.Init = func() any { return e.Initial() }
	}
	if c := e.Codec; c != nil {
		k.Codec = &streams.StateCodec{SchemaVersion: c.SchemaVersion}
		if c.Encode != nil {
			k.Codec.Encode = func(state any) ([]byte, error) { return c.Encode(as[S](state)) }
		}
		if c.Decode != nil {
			k.Codec.Decode = func(b []byte) (any, error) { return c.Decode(b) }
		}
	}
	if r := e.Remote; r != nil {
		k.Remote = &streams.RemoteCodec{}
		if r.DecodeCommand != nil {
			k.Remote.DecodeCommand = func(typeURL string, b []byte) (any, error) { return r.DecodeCommand(typeURL, b) }
		}
		if r.EncodeReply != nil {
			k.Remote.EncodeReply = func(reply any) (string, []byte, error) { return r.EncodeReply(as[R](reply)) }
		}
	}
	if err := st.rt.RegisterKind(k); err != nil {
		return nil, err
	}
	return &Kind[S, C, R]{st: st, name: e.Kind}, nil
}

// Name is the kind's name.
func (k *Kind[S, C, R]) Name() string { return k.name }

// Stream returns the stream of the entity id of this kind: Name()-id.
func (k *Kind[S, C, R]) Stream(id string) string { return k.name + "-" + id }

// Execute runs cmd on the entity of stream (a stream of this kind) and
// returns the handler's reply once the command's events are committed.
// Commands to one entity run one at a time; the state they are decided on
// is the fold of every committed event of the stream. See Exec for the
// append result and the errors.
func (k *Kind[S, C, R]) Execute(ctx context.Context, stream string, cmd C) (R, error) {
	r, _, err := k.Exec(ctx, stream, cmd)
	return r, err
}

// Exec is Execute that also returns the append result of the command's
// events (zero when it appended none). Errors carry the trace ID
// (TraceIDOf): *RejectedError (the handler's error; errors.As finds the
// handler's own type), *EntityError (the entity's code panicked or its
// codec failed; the state is loaded again before the next command),
// *ConcurrencyError (another writer of the stream won every attempt),
// *InputError (a stream of another kind, invalid events), *TimeoutError
// (ctx or Config.RequestTimeout ended: the outcome is unknown once the
// command started), *ConnectionError, ErrClosed.
func (k *Kind[S, C, R]) Exec(ctx context.Context, stream string, cmd C) (R, AppendResult, error) {
	var zero R
	ctx, trace := eventstore.EnsureTraceID(ctx)
	if err := k.check(stream); err != nil {
		return zero, AppendResult{}, eventstore.AttachTraceID(err, trace)
	}
	res, err := k.st.rt.Execute(ctx, stream, cmd)
	if err != nil {
		return zero, AppendResult{}, eventstore.AttachTraceID(err, trace)
	}
	r, _ := res.Reply.(R)
	return r, res.Append, nil
}

// State returns the state of the entity of stream and the version it is
// folded to, as the next command would see it (after the commands before
// it). Do not change the state in place.
func (k *Kind[S, C, R]) State(ctx context.Context, stream string) (S, Version, error) {
	var zero S
	ctx, trace := eventstore.EnsureTraceID(ctx)
	if err := k.check(stream); err != nil {
		return zero, 0, eventstore.AttachTraceID(err, trace)
	}
	st, v, err := k.st.rt.EntityState(ctx, stream)
	if err != nil {
		return zero, 0, eventstore.AttachTraceID(err, trace)
	}
	return as[S](st), v, nil
}

func (k *Kind[S, C, R]) check(stream string) error {
	if id, ok := strings.CutPrefix(stream, k.name+"-"); !ok || id == "" {
		return &InputError{Field: "stream", Rule: "kind",
			Message: fmt.Sprintf("stream %q is not of kind %q (want %s-<id>)", stream, k.name, k.name)}
	}
	return nil
}

// EntityStats reports what the entities did: loads, snapshots loaded,
// ignored (another schema version), stored and failed, rejections,
// failures of entity code, commands decided again after a conflict.
func (s *Store) EntityStats() EntityStats { return EntityStats(s.rt.EntityStats()) }

// EntityStats are the entities' counters since Open. A snapshot; safe to copy.
type EntityStats struct {
	// Loads counts entity states loaded from the store (activation, or
	// after a failure of the entity's code).
	Loads int64
	// SnapshotsLoaded counts loads that started from a snapshot;
	// SnapshotsIgnored snapshots skipped for another schema version.
	SnapshotsLoaded  int64
	SnapshotsIgnored int64
	// SnapshotsSaved counts snapshots stored; SnapshotErrors those that
	// could not be encoded or stored.
	SnapshotsSaved int64
	SnapshotErrors int64
	// Rejections counts commands the handler refused; Failures panics and
	// errors of the entity's code; Redecided commands decided again after
	// another writer won the stream.
	Rejections int64
	Failures   int64
	Redecided  int64
}

// Entity errors, matched with errors.As (and errors.Is with the sentinels).
type (
	// RejectedError: the handler refused the command (Stream, Command,
	// Reason: the handler's error). Nothing was written. Code validation.
	RejectedError = eventstore.RejectedError
	// EntityError: the entity's code panicked or its codec failed
	// (Stream, Command, Op, Written, Err). Code internal.
	EntityError = eventstore.EntityError
	// UnknownKindError: no registered kind owns the stream. Code invalid_input.
	UnknownKindError = eventstore.UnknownKindError
)

// Sentinels of the entity errors.
var (
	ErrRejected     = eventstore.ErrRejected
	ErrEntityFailed = eventstore.ErrEntityFailed
	ErrUnknownKind  = eventstore.ErrUnknownKind
)

// as returns v as a T (the zero T for a nil interface value).
func as[T any](v any) T {
	t, _ := v.(T)
	return t
}

// ProtoCodec is a Codec for a protobuf state message; newState returns an
// empty message to decode into.
func ProtoCodec[S proto.Message](schemaVersion uint32, newState func() S) *Codec[S] {
	return &Codec[S]{SchemaVersion: schemaVersion,
		Encode: func(s S) ([]byte, error) { return proto.Marshal(s) },
		Decode: func(b []byte) (S, error) {
			s := newState()
			err := proto.Unmarshal(b, s)
			return s, err
		}}
}

// ProtoCommands is a RemoteCodec for a kind whose commands and replies are
// protobuf messages. A command is accepted when its message type is linked
// into the program (its generated package is imported) and is a C; C may be
// an interface that several command messages implement (proto.Message, or
// your own). A nil reply travels as no reply.
func ProtoCommands[C, R proto.Message]() *RemoteCodec[C, R] {
	return &RemoteCodec[C, R]{
		DecodeCommand: func(typeURL string, b []byte) (C, error) {
			var zero C
			mt, err := protoregistry.GlobalTypes.FindMessageByURL(typeURL)
			if err != nil {
				return zero, fmt.Errorf("unknown message type %q: %w", typeURL, err)
			}
			m := mt.New().Interface()
			if err := proto.Unmarshal(b, m); err != nil {
				return zero, err
			}
			c, ok := m.(C)
			if !ok {
				return zero, fmt.Errorf("%s is not a command of this kind (want %v)", mt.Descriptor().FullName(), reflect.TypeFor[C]())
			}
			return c, nil
		},
		EncodeReply: func(r R) (string, []byte, error) {
			if any(r) == nil || !r.ProtoReflect().IsValid() {
				return "", nil, nil
			}
			a, err := anypb.New(r)
			if err != nil {
				return "", nil, err
			}
			return a.GetTypeUrl(), a.GetValue(), nil
		},
	}
}
