package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testMetadata checks stream metadata (persistence.StreamDeleter): a
// versioned document with an expectation like an append's; truncate-before,
// max-count (a window that moves with appends) and max-age hide events from
// ReadStream (both directions, any From) and ReadAll from the moment they
// are set, the other events keep their positions, Head keeps the version;
// a tombstoned stream refuses metadata; bad metadata is an *InputError.
func testMetadata(t *testing.T, f Factory) {
	open := func(t *testing.T) (persistence.Store, persistence.StreamDeleter) {
		st := open(t, f)
		return st, st.(persistence.StreamDeleter)
	}
	t.Run("versioned document", func(t *testing.T) {
		t.Parallel()
		_, sd := open(t)
		if md, err := sd.StreamMetadata(ctxFor(t), "md-1"); err != nil || md.Version != 0 || !md.Metadata.IsZero() {
			t.Fatalf("metadata never set = %+v, %v", md, err)
		}
		want := eventstore.StreamMetadata{TruncateBefore: 3, MaxAge: time.Hour, MaxCount: 10}
		res := setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.NoStream(), Metadata: want})
		if res.Version != 1 {
			t.Fatalf("first metadata version %d, want 1", res.Version)
		}
		_, err := sd.SetStreamMetadata(ctxFor(t), eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.NoStream()})
		wantConcurrency(t, err, "$$md-1", eventstore.NoStream(), 1)
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.Exact(1), Metadata: want})
		if md, err := sd.StreamMetadata(ctxFor(t), "md-1"); err != nil || md.Version != 2 || md.Metadata != want {
			t.Fatalf("metadata = %+v, %v; want %+v at version 2", md, err, want)
		}
		_, err = sd.SetStreamMetadata(ctxFor(t), eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.Any(),
			Metadata: eventstore.StreamMetadata{MaxAge: -time.Second}})
		if !errors.Is(err, eventstore.ErrInvalidInput) {
			t.Fatalf("negative max age: %v", err)
		}
	})
	t.Run("truncate before", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		before := retentionFixture(t, st, "trunc-1")
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "trunc-1",
			Metadata: eventstore.StreamMetadata{TruncateBefore: 4}})
		wantVisible(t, st, "trunc-1", 4, 6, before)
		appendOK(t, st, req("trunc-1", eventstore.Exact(6), ev("E")))
		wantVisible(t, st, "trunc-1", 4, 7, nil)
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "trunc-1",
			Metadata: eventstore.StreamMetadata{TruncateBefore: 100}})
		if _, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "trunc-1", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatalf("ReadStream with every event truncated: %v", err)
		}
		if h := head(t, st, "trunc-1"); h.Version != 7 {
			t.Fatalf("Head after truncating everything: %d, want 7", h.Version)
		}
	})
	t.Run("max count moves with appends", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		before := retentionFixture(t, st, "count-1")
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "count-1",
			Metadata: eventstore.StreamMetadata{MaxCount: 2}})
		wantVisible(t, st, "count-1", 5, 6, before)
		appendOK(t, st, req("count-1", eventstore.Exact(6), ev("E")))
		wantVisible(t, st, "count-1", 6, 7, nil)
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "count-1"})
		wantVisible(t, st, "count-1", 1, 7, nil) // metadata removed: everything is back
	})
	t.Run("max age", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		retentionFixture(t, st, "age-1")
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "age-1",
			Metadata: eventstore.StreamMetadata{MaxAge: time.Hour}})
		wantVisible(t, st, "age-1", 1, 6, nil)
		setMetadataOK(t, sd, eventstore.MetadataRequest{Stream: "age-1",
			Metadata: eventstore.StreamMetadata{MaxAge: time.Millisecond}})
		deadline := time.Now().Add(testTimeout)
		for {
			_, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: "age-1", Limit: 10})
			if errors.Is(err, eventstore.ErrStreamNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("events older than max age are still read: %v", err)
			}
		}
		for _, e := range readAll(t, st) {
			if e.Stream == "age-1" {
				t.Fatalf("ReadAll returns event %d older than max age", e.Version)
			}
		}
		if got := readStream(t, st, "other-age-1"); len(got) != 3 {
			t.Fatalf("another stream lost events: %d, want 3", len(got))
		}
	})
	t.Run("tombstoned stream", func(t *testing.T) {
		t.Parallel()
		st, sd := open(t)
		appendOK(t, st, req("tomb-1", eventstore.NoStream(), ev("E")))
		deleteOK(t, sd, eventstore.DeleteRequest{Stream: "tomb-1", Hard: true})
		_, err := sd.SetStreamMetadata(ctxFor(t), eventstore.MetadataRequest{Stream: "tomb-1",
			Metadata: eventstore.StreamMetadata{MaxCount: 1}})
		wantDeleted(t, err, "tomb-1")
	})
}

// retentionFixture appends 6 events to stream and 3 to "other-"+stream,
// interleaved, and returns ReadAll.
func retentionFixture(t *testing.T, st persistence.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	for i := range 6 {
		r := []eventstore.AppendRequest{req(stream, eventstore.Exact(uint64(i)), ev("E"))}
		if i%2 == 0 {
			r = append(r, req("other-"+stream, eventstore.Exact(uint64(i/2)), ev("O")))
		}
		appendBatchOK(t, st, r...)
	}
	return readAll(t, st)
}

func setMetadataOK(t *testing.T, sd persistence.StreamDeleter, r eventstore.MetadataRequest) eventstore.MetadataResult {
	t.Helper()
	res, err := sd.SetStreamMetadata(ctxFor(t), r)
	if err != nil {
		t.Fatalf("SetStreamMetadata(%+v): %v", r, err)
	}
	if res.Stream != r.Stream || res.Metadata != r.Metadata {
		t.Fatalf("SetStreamMetadata(%+v) = %+v", r, res)
	}
	return res
}

// wantVisible checks that exactly versions low..high of stream are read,
// forward from 1 and from the middle, backward from the end, and by
// ReadAll; with before (ReadAll before the retention), that every other
// event kept its position.
func wantVisible(t *testing.T, st persistence.Store, stream string, low, high eventstore.Version,
	before []eventstore.RecordedEvent) {
	t.Helper()
	got := readStream(t, st, stream)
	if len(got) != int(high-low+1) || got[0].Version != low || got[len(got)-1].Version != high {
		t.Fatalf("ReadStream(%s) = %d events from %d, want %d..%d", stream, len(got), firstVersion(got), low, high)
	}
	mid, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: stream, From: 2, Limit: 1})
	if err != nil || len(mid) != 1 || mid[0].Version != max(low, 2) {
		t.Fatalf("ReadStream(%s) from 2 = %d events from %d, %v; want %d", stream, len(mid), firstVersion(mid), err, max(low, 2))
	}
	back, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: stream, From: eventstore.End,
		Direction: eventstore.Backward, Limit: 100})
	if err != nil || len(back) != int(high-low+1) || back[len(back)-1].Version != low {
		t.Fatalf("backward ReadStream(%s) = %d events, %v; want %d..%d", stream, len(back), err, high, low)
	}
	all := readAll(t, st)
	n := 0
	for _, e := range all {
		if e.Stream == stream {
			if e.Version < low {
				t.Fatalf("ReadAll returns %s@%d, outside the retention (from %d)", stream, e.Version, low)
			}
			n++
		}
	}
	if n != int(high-low+1) {
		t.Fatalf("ReadAll has %d events of %s, want %d", n, stream, high-low+1)
	}
	if before == nil {
		return
	}
	var kept []eventstore.RecordedEvent
	for _, e := range before {
		if e.Stream != stream || e.Version >= low {
			kept = append(kept, e)
		}
	}
	sameEvents(t, "ReadAll within the retention", all, kept)
}
