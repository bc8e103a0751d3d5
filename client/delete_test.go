package client_test

import (
	"errors"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
)

// TestDeleteOverTheWire: a soft delete through a node hides the stream
// (not found, Head keeps the version), a wrong expectation is a typed
// concurrency error, a hard delete's tombstone makes appends fail with
// *eventstore.StreamDeletedError, all with the caller's trace ID.
func TestDeleteOverTheWire(t *testing.T) {
	ctx := eventstore.WithTraceID(ctx5(t), "trace-delete-1")
	if _, err := cl.Append(ctx, "del-1", eventstore.NoStream(), ev("A", `{}`), ev("A", `{}`)); err != nil {
		t.Fatal(err)
	}
	_, err := cl.Delete(ctx, eventstore.DeleteRequest{Stream: "del-1", Expected: eventstore.Exact(1)})
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Actual != 2 || eventstore.TraceIDOf(err) != "trace-delete-1" {
		t.Fatalf("delete with a wrong expectation: %T %v", err, err)
	}
	res, err := cl.Delete(ctx, eventstore.DeleteRequest{Stream: "del-1", Expected: eventstore.Exact(2)})
	if err != nil || res.Version != 2 || res.Hard || res.Stream != "del-1" {
		t.Fatalf("delete = %+v, %v", res, err)
	}
	if _, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "del-1", Limit: 10}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("read after the delete: %v", err)
	}
	if h, err := cl.Head(ctx, "del-1"); err != nil || h.Version != 2 {
		t.Fatalf("head after the delete = %+v, %v", h, err)
	}
	if res, err := cl.Delete(ctx, eventstore.DeleteRequest{Stream: "del-1", Expected: eventstore.Any(), Hard: true}); err != nil || !res.Hard {
		t.Fatalf("hard delete = %+v, %v", res, err)
	}
	_, err = cl.Append(ctx, "del-1", eventstore.Any(), ev("A", `{}`))
	var de *eventstore.StreamDeletedError
	if !errors.As(err, &de) || de.Stream != "del-1" || eventstore.CodeOf(err) != eventstore.CodeStreamDeleted ||
		eventstore.TraceIDOf(err) != "trace-delete-1" {
		t.Fatalf("append after a hard delete: %T %v", err, err)
	}
	if _, err := cl.Delete(ctx, eventstore.DeleteRequest{Stream: ""}); !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("delete without a stream: %v", err)
	}
}

// TestMetadataOverTheWire: stream metadata set and read through a node,
// with a typed conflict naming the metadata stream.
func TestMetadataOverTheWire(t *testing.T) {
	ctx := ctx5(t)
	for range 4 {
		if _, err := cl.Append(ctx, "md-1", eventstore.Any(), ev("A", `{}`)); err != nil {
			t.Fatal(err)
		}
	}
	want := eventstore.StreamMetadata{TruncateBefore: 3, MaxAge: time.Hour, MaxCount: 100}
	res, err := cl.SetStreamMetadata(ctx, eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.NoStream(), Metadata: want})
	if err != nil || res.Version != 1 || res.Metadata != want {
		t.Fatalf("set = %+v, %v", res, err)
	}
	got, err := cl.StreamMetadata(ctx, "md-1")
	if err != nil || got.Version != 1 || got.Metadata != want {
		t.Fatalf("get = %+v, %v", got, err)
	}
	evs, err := cl.ReadStream(ctx, eventstore.StreamRead{Stream: "md-1", Limit: 10})
	if err != nil || len(evs) != 2 || evs[0].Version != 3 {
		t.Fatalf("read within the retention = %d events, %v", len(evs), err)
	}
	_, err = cl.SetStreamMetadata(ctx, eventstore.MetadataRequest{Stream: "md-1", Expected: eventstore.NoStream()})
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.Stream != "$$md-1" || ce.Actual != 1 {
		t.Fatalf("stale set: %T %v", err, err)
	}
}
