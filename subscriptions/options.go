package subscriptions

import (
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// Start says where a subscription begins. Its values are the numbers of
// the wire's StartKind (see startProto).
type Start int32

// Start kinds.
const (
	// FromBeginning: the first event of all streams (or of the stream).
	FromBeginning Start = Start(messages.StartKind_START_KIND_BEGINNING)
	// FromEnd: only events committed after the subscription started.
	FromEnd Start = Start(messages.StartKind_START_KIND_END)
	// FromAt: at Options.At, a position (all streams) or a version (one stream).
	FromAt Start = Start(messages.StartKind_START_KIND_AT)
)

// String names the start kind.
func (s Start) String() string {
	switch s {
	case FromBeginning:
		return "beginning"
	case FromEnd:
		return "end"
	case FromAt:
		return "at"
	}
	return "Start(" + strconv.Itoa(int(s)) + ")"
}

// SystemStreamPrefix starts the IDs of streams actorstore keeps for itself
// (parked events). All-stream subscriptions skip them unless
// Options.IncludeSystemStreams is set.
const SystemStreamPrefix = "$"

// Options describe a subscription. The zero value subscribes to all
// events (but system streams) from the beginning.
type Options struct {
	// ID names the subscription in its messages; empty for a random one.
	ID string
	// Stream subscribes to one stream; empty for all streams.
	Stream string
	// Start and At: where delivery begins (At is inclusive).
	Start Start
	At    uint64
	// Filter keeps some events only. StreamPrefix applies to all-stream
	// subscriptions; EventTypes to both kinds.
	Filter eventstore.Filter
	// IncludeSystemStreams delivers "$"-prefixed streams too.
	IncludeSystemStreams bool
	// Window is the credit window (0: the hub's default).
	Window int
	// Durable names a durable subscription: it resumes after the checkpoint
	// stored under this name, and Ack'ed positions are stored.
	Durable string
	// Group joins the consumer group Durable as a member (all-stream
	// subscriptions only): see messages.SubscribeRequest.consumer_group.
	Group bool
	// GroupSlots splits a group's events by stream into this many slots,
	// spread over the processes with members (0 or 1: one slot, held by one
	// process). At most MaxGroupSlots. Every member must give the same.
	GroupSlots int
}

// MaxGroupSlots bounds Options.GroupSlots.
const MaxGroupSlots = 256

// request turns o into the wire request for subscriber.
func (o Options) request(subscriber *messages.ActorRef) *messages.SubscribeRequest {
	return &messages.SubscribeRequest{
		SubscriptionId:       o.ID,
		Subscriber:           subscriber,
		Stream:               o.Stream,
		Start:                messages.StartKind(o.Start),
		StartAt:              o.At,
		StreamPrefix:         o.Filter.StreamPrefix,
		EventTypes:           o.Filter.EventTypes,
		Window:               uint32(max(o.Window, 0)),
		IncludeSystemStreams: o.IncludeSystemStreams,
		DurableName:          o.Durable,
		ConsumerGroup:        o.Group,
		GroupSlots:           uint32(max(o.GroupSlots, 0)),
	}
}

// spec is a checked SubscribeRequest.
type spec struct {
	id            string
	subscriber    *messages.ActorRef
	stream        string
	start         Start
	at            uint64
	filter        eventstore.Filter
	includeSystem bool
	window        int
	durable       string
	group         bool
	groupSlots    int // a group member's: the group's slot count (1: one)
	// slot of slots: a group's slot subscription reads the events of the
	// streams in that slot only (slots 0 or 1: all).
	slot, slots int
	// local: the subscriber is a handler runner in this process; events
	// go to it as *delivery (Go values), never as protobuf.
	local bool
}

// request is the wire form of s (a group's own durable subscription).
func (s spec) request() *messages.SubscribeRequest {
	return &messages.SubscribeRequest{
		SubscriptionId: s.id, Subscriber: s.subscriber, Stream: s.stream, Start: messages.StartKind(s.start), StartAt: s.at,
		StreamPrefix: s.filter.StreamPrefix, EventTypes: s.filter.EventTypes, Window: uint32(s.window),
		IncludeSystemStreams: s.includeSystem, DurableName: s.durable,
		Slot: uint32(s.slot), Slots: uint32(s.slots),
	}
}

// parseRequest checks m against cfg and returns its spec or an *InputError.
func parseRequest(m *messages.SubscribeRequest, cfg Config) (spec, error) {
	return checkSpec(spec{
		id: m.GetSubscriptionId(), subscriber: m.GetSubscriber(), stream: m.GetStream(),
		start: Start(m.GetStart()), at: m.GetStartAt(), includeSystem: m.GetIncludeSystemStreams(),
		filter:     eventstore.Filter{StreamPrefix: m.GetStreamPrefix(), EventTypes: m.GetEventTypes()},
		window:     int(m.GetWindow()),
		durable:    m.GetDurableName(),
		group:      m.GetConsumerGroup(),
		groupSlots: int(min(m.GetGroupSlots(), MaxGroupSlots+1)),
		slot:       int(min(m.GetSlot(), MaxGroupSlots+1)),
		slots:      int(min(m.GetSlots(), MaxGroupSlots+1)),
	}, cfg)
}

// spec turns o into the spec of subscriber, without a wire round trip,
// checked by the same rules as a peer's SubscribeRequest (checkSpec).
func (o Options) spec(subscriber *messages.ActorRef, cfg Config) (spec, error) {
	return checkSpec(spec{
		id: o.ID, subscriber: subscriber, stream: o.Stream, start: o.Start, at: o.At,
		filter: o.Filter, includeSystem: o.IncludeSystemStreams, window: max(o.Window, 0),
		durable: o.Durable, group: o.Group, groupSlots: o.GroupSlots,
	}, cfg)
}

// checkSpec checks s against cfg, fills its defaults and returns it or an
// *InputError. It is the one validation of both the wire and the Go path.
func checkSpec(s spec, cfg Config) (spec, error) {
	bad := func(field, rule, msg string) error {
		return &eventstore.InputError{Field: field, Rule: rule, Message: msg}
	}
	switch {
	case s.subscriber.GetId() == "":
		return s, bad("subscriber", "required", "the subscriber's address is missing")
	case s.stream != "" && s.filter.StreamPrefix != "":
		return s, bad("stream_prefix", "conflict", "a single-stream subscription takes no stream prefix")
	case s.start < FromBeginning || s.start > FromAt:
		return s, bad("start", "enum", "unknown start kind")
	case s.group && (s.durable == "" || s.stream != ""):
		return s, bad("consumer_group", "conflict", "a consumer group needs a durable name and all streams")
	case s.window > cfg.MaxWindow:
		return s, bad("window", "range", "the window exceeds the hub's MaxWindow")
	case s.groupSlots < 0 || s.groupSlots > MaxGroupSlots:
		return s, bad("group_slots", "range", "a group has 1 to "+strconv.Itoa(MaxGroupSlots)+" slots")
	case s.groupSlots > 1 && !s.group:
		return s, bad("group_slots", "conflict", "slots are for consumer groups")
	case s.slots > MaxGroupSlots || s.slot >= max(s.slots, 1):
		return s, bad("slot", "range", "slot must be below slots, and slots at most "+strconv.Itoa(MaxGroupSlots))
	case s.slots > 1 && (s.durable == "" || s.stream != "" || s.group):
		return s, bad("slots", "conflict", "a slot subscription is a durable all-stream subscription")
	}
	s.groupSlots = max(s.groupSlots, 1)
	if s.window == 0 {
		s.window = cfg.Window
	}
	if s.id == "" {
		s.id = uuid.NewString()
	}
	return s, nil
}

// matches reports whether e passes the subscription's filter (and, for a
// slot subscription, is in its slot).
func (s *spec) matches(e *eventstore.RecordedEvent) bool {
	if s.stream == "" && !s.includeSystem && strings.HasPrefix(e.Stream, SystemStreamPrefix) {
		return false
	}
	if s.slots > 1 && SlotOf(e.Stream, s.slots) != s.slot {
		return false
	}
	return s.filter.Matches(e.Stream, e.Type)
}

// SlotOf is the slot of stream among slots: FNV-1a of the stream ID modulo
// slots (the hash that spreads projections' partitions too).
func SlotOf(stream string, slots int) int {
	if slots <= 1 {
		return 0
	}
	h := uint32(2166136261) // FNV-1a, 32 bits (hash/fnv's, without its allocation)
	for i := 0; i < len(stream); i++ {
		h ^= uint32(stream[i])
		h *= 16777619
	}
	return int(h % uint32(slots))
}

// seq is the number a subscription orders e by: its version in a
// single-stream subscription, its position otherwise.
func (s *spec) seq(e *eventstore.RecordedEvent) uint64 {
	if s.stream != "" {
		return e.Version
	}
	return e.Position
}

// checkpointName is the Store checkpoint of a durable subscription.
func checkpointName(durable string) string { return "subscription/" + durable }
