package subscriptions

import (
	"context"
	"errors"
	"maps"
	"strconv"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// ParkedStreamPrefix starts the stream that keeps the parked events of a
// durable subscription: "$parked-" + name.
const ParkedStreamPrefix = SystemStreamPrefix + "parked-"

// Metadata keys of a parked event (besides the original's own metadata).
const (
	MetaOriginalStream   = "$original-stream"
	MetaOriginalVersion  = "$original-version"
	MetaOriginalPosition = "$original-position"
	MetaOriginalEventID  = "$original-event-id"
	MetaParkReason       = "$park-reason"
)

// parkedNamespace derives parked event IDs: parking the same event of the
// same subscription twice (a retry after a crash) is an idempotent append.
var parkedNamespace = uuid.MustParse("6b1d3f4e-8f0a-4d5c-9b7e-3c2a1f0e9d8c")

// ParkedStream returns the stream that keeps the parked events of the
// durable subscription name.
func ParkedStream(name string) string { return ParkedStreamPrefix + name }

// park reads the event at pos from the store and appends a copy to the
// parked stream, on a goroutine; parkDone comes back.
func (a *subActor) park(c actors.Context, pos uint64, reason string) {
	self, sh, sp, ctx := c.Self(), a.sh, a.sp, a.ctx
	sh.goIO(func() {
		err := parkOne(ctx, sh.store, &sp, pos, reason) // the store retries (doc.go, Retries)
		sh.sys.Send(self, &parkDone{pos: pos, err: err})
	})
}

func parkOne(ctx context.Context, st persistence.Store, sp *spec, pos uint64, reason string) error {
	var (
		evs []eventstore.RecordedEvent
		err error
	)
	if sp.stream != "" {
		evs, err = st.ReadStream(ctx, eventstore.StreamRead{Stream: sp.stream, From: pos, Limit: 1})
	} else {
		evs, err = st.ReadAll(ctx, eventstore.AllRead{From: pos, Limit: 1})
	}
	if err != nil {
		return err
	}
	if len(evs) == 0 || sp.seq(&evs[0]) != pos {
		return nil // nothing stored there: nothing to park
	}
	res, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{
		Stream: ParkedStream(sp.durable), Expected: eventstore.Any(), Events: []eventstore.EventData{parkedCopy(sp.durable, &evs[0], reason)},
	}})
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	return err
}

func parkedCopy(name string, e *eventstore.RecordedEvent, reason string) eventstore.EventData {
	d := e.EventData
	d.ID = uuid.NewSHA1(parkedNamespace, []byte(name+"/"+e.ID.String()))
	d.Metadata = maps.Clone(e.Metadata)
	if d.Metadata == nil {
		d.Metadata = map[string]string{}
	}
	d.Metadata[MetaOriginalStream] = e.Stream
	d.Metadata[MetaOriginalVersion] = strconv.FormatUint(e.Version, 10)
	d.Metadata[MetaOriginalPosition] = strconv.FormatUint(e.Position, 10)
	d.Metadata[MetaOriginalEventID] = e.ID.String()
	d.Metadata[MetaParkReason] = reason
	return d
}

// ParkedEvent is an event a durable subscription gave up on.
type ParkedEvent struct {
	// Original is the event as it was delivered (its metadata without the
	// "$original-*" and "$park-reason" keys).
	Original eventstore.RecordedEvent
	// Reason is the subscriber's Nack reason.
	Reason string
	// ParkedVersion is its version in the parked stream.
	ParkedVersion uint64
}

// Parked lists up to limit parked events of the durable subscription name,
// from the parked stream's version from (1 for the first).
func Parked(ctx context.Context, st persistence.Store, name string, from uint64, limit int) ([]ParkedEvent, error) {
	evs, err := st.ReadStream(ctx, eventstore.StreamRead{Stream: ParkedStream(name), From: from, Limit: limit})
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]ParkedEvent, 0, len(evs))
	for i := range evs {
		out = append(out, unpark(&evs[i]))
	}
	return out, nil
}

func unpark(p *eventstore.RecordedEvent) ParkedEvent {
	orig := eventstore.RecordedEvent{EventData: p.EventData, Created: p.Created}
	meta := maps.Clone(p.Metadata)
	orig.Stream = meta[MetaOriginalStream]
	orig.Version, _ = strconv.ParseUint(meta[MetaOriginalVersion], 10, 64)
	orig.Position, _ = strconv.ParseUint(meta[MetaOriginalPosition], 10, 64)
	orig.ID, _ = uuid.Parse(meta[MetaOriginalEventID])
	reason := meta[MetaParkReason]
	for _, k := range []string{MetaOriginalStream, MetaOriginalVersion, MetaOriginalPosition, MetaOriginalEventID, MetaParkReason} {
		delete(meta, k)
	}
	if len(meta) == 0 {
		meta = nil
	}
	orig.Metadata = meta
	return ParkedEvent{Original: orig, Reason: reason, ParkedVersion: p.Version}
}

// ReplayParked hands the parked events of the durable subscription name
// that were not replayed yet to h, in the order they were parked. Progress
// is stored as the checkpoint "subscription/<name>/replayed" after each
// event, so a replay that stops (h fails, ctx ends) resumes where it
// stopped. It returns how many events h processed.
func ReplayParked(ctx context.Context, st persistence.Store, name string, h Handler) (int, error) {
	cp := checkpointName(name) + "/replayed"
	done, _, err := st.Checkpoint(ctx, cp)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		page, err := Parked(ctx, st, name, done+1, 256)
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, p := range page {
			if err := h(ctx, p.Original); err != nil {
				return n, &HandlerError{SubscriptionID: name, Stream: p.Original.Stream, Position: p.Original.Position, Err: err}
			}
			if err := st.SetCheckpoint(ctx, cp, p.ParkedVersion); err != nil {
				return n, err
			}
			done = p.ParkedVersion
			n++
		}
	}
}
