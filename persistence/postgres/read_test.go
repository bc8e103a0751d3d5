package postgres_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// readAllShapes are the ReadAll statement shapes: directions and filters.
var readAllShapes = map[string]eventstore.AllRead{
	"forward":  {Limit: 100},
	"backward": {From: eventstore.End, Direction: eventstore.Backward, Limit: 100},
	"prefix":   {Limit: 100, Filter: eventstore.Filter{StreamPrefix: "acct-"}},
	"types":    {Limit: 100, Filter: eventstore.Filter{EventTypes: []string{"Opened", "Closed"}}},
}

// TestReadAllHidesFromTheFirstRetentionRow: ReadAll runs the plain scan
// while stream_retention is empty and the retention check once it is not
// (ADR 0030). The statements are prepared on the store's one connection
// and run more than PostgreSQL's five custom plans before the first
// delete, so a plan cached for an empty table would show the deleted
// stream's events afterwards; the second metadata write switches nothing
// back.
func TestReadAllHidesFromTheFirstRetentionRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, pgtest.Server(t).NewDatabase(t), postgres.Config{MaxConns: 1})
	for _, stream := range []string{"acct-1", "acct-2", "acct-3"} {
		evs := []eventstore.EventData{{ID: uuid.New(), Type: "Opened", Data: []byte(`{}`)},
			{ID: uuid.New(), Type: "Closed", Data: []byte(`{}`)}}
		if res, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: stream, Events: evs}}); err != nil || res[0].Err != nil {
			t.Fatalf("append %s: %v %+v", stream, err, res)
		}
	}
	streamsOf := func(when string) map[string]map[string]int {
		out := map[string]map[string]int{}
		for name, r := range readAllShapes {
			for range 7 {
				evs, err := s.ReadAll(ctx, r)
				if err != nil {
					t.Fatalf("%s: ReadAll %s: %v", when, name, err)
				}
				out[name] = map[string]int{}
				for _, e := range evs {
					out[name][e.Stream]++
				}
			}
		}
		return out
	}
	want := func(when string, got map[string]map[string]int, streams map[string]int) {
		t.Helper()
		for name := range readAllShapes {
			if !reflect.DeepEqual(got[name], streams) {
				t.Fatalf("%s: ReadAll %s returns events per stream %v, want %v", when, name, got[name], streams)
			}
		}
	}
	want("before any retention", streamsOf("before"), map[string]int{"acct-1": 2, "acct-2": 2, "acct-3": 2})
	if _, err := s.DeleteStream(ctx, eventstore.DeleteRequest{Stream: "acct-2", Expected: eventstore.Any()}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	want("after the first delete", streamsOf("after delete"), map[string]int{"acct-1": 2, "acct-3": 2})
	if _, err := s.SetStreamMetadata(ctx, eventstore.MetadataRequest{Stream: "acct-3", Expected: eventstore.Any(),
		Metadata: eventstore.StreamMetadata{MaxCount: 1}}); err != nil {
		t.Fatalf("metadata: %v", err)
	}
	want("after a max-count of 1", streamsOf("after metadata"), map[string]int{"acct-1": 2, "acct-3": 1})
}

// TestRawDecodeEqualsScan: the events ReadAll, ReadStream and
// LookupEvents decode from the rows' raw values (ADR 0030) equal, field
// for field, those pgx's Scan gives when the simple protocol sends every
// column as text.
func TestRawDecodeEqualsScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.Server(t).NewDatabase(t)
	raw := openStore(t, url, postgres.Config{})
	scan := openStore(t, url, postgres.Config{StatementCacheMode: "simple"})
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	evs := []eventstore.EventData{
		{ID: ids[0], Type: "Ünïcode", SchemaVersion: 4_000_000_000, ContentType: eventstore.ContentTypeBinary,
			Data: []byte{0, 1, 2, '\\', 'x', 255}, Metadata: map[string]string{"k": "v \"quoted\" ü", "e": ""}},
		{ID: ids[1], Type: "Empty", Data: []byte{}},
		{ID: ids[2], Type: "Ünïcode", Data: []byte(`{"a":1}`), Metadata: map[string]string{}},
	}
	for _, stream := range []string{"dec-é", "dec-2"} {
		reqs := []eventstore.AppendRequest{{Stream: stream, Events: evs}}
		if res, err := raw.AppendBatch(ctx, reqs); err != nil || res[0].Err != nil {
			t.Fatalf("append: %v %+v", err, res)
		}
		for i := range evs {
			evs[i].ID = uuid.New()
		}
	}
	reads := map[string]func(*postgres.Store) ([]eventstore.RecordedEvent, error){
		"ReadAll": func(s *postgres.Store) ([]eventstore.RecordedEvent, error) {
			return s.ReadAll(ctx, eventstore.AllRead{Limit: 10})
		},
		"ReadStream": func(s *postgres.Store) ([]eventstore.RecordedEvent, error) {
			return s.ReadStream(ctx, eventstore.StreamRead{Stream: "dec-é", Limit: 10})
		},
		"LookupEvents": func(s *postgres.Store) ([]eventstore.RecordedEvent, error) {
			return s.LookupEvents(ctx, "dec-é", ids)
		},
	}
	for name, read := range reads {
		a, err := read(raw)
		if err != nil {
			t.Fatalf("%s, raw: %v", name, err)
		}
		b, err := read(scan)
		if err != nil {
			t.Fatalf("%s, scan: %v", name, err)
		}
		if len(a) < 3 || !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: raw decode\n%+v\nscan\n%+v", name, a, b)
		}
	}
}

// TestShortPagesKeepTheirEvents: a read that returns fewer events than
// half its limit gets its own copy; the array it was decoded into is
// reused for the next page, whose events must not show up in the
// events returned before.
func TestShortPagesKeepTheirEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t, pgtest.Server(t).NewDatabase(t), postgres.Config{MaxConns: 2})
	for _, stream := range []string{"short-a", "short-b"} {
		evs := []eventstore.EventData{{ID: uuid.New(), Type: "T-" + stream, Data: []byte(`"` + stream + `"`)}}
		if res, err := s.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: stream, Events: evs}}); err != nil || res[0].Err != nil {
			t.Fatalf("append %s: %v %+v", stream, err, res)
		}
	}
	var kept [][]eventstore.RecordedEvent
	for i := range 40 {
		stream := []string{"short-a", "short-b"}[i%2]
		evs, err := s.ReadStream(ctx, eventstore.StreamRead{Stream: stream, Limit: 1000})
		if err != nil {
			t.Fatalf("read %s: %v", stream, err)
		}
		if cap(evs) > 2*len(evs) {
			t.Fatalf("read %s: %d events in an array of %d", stream, len(evs), cap(evs))
		}
		kept = append(kept, evs)
	}
	for i, evs := range kept {
		stream := []string{"short-a", "short-b"}[i%2]
		if len(evs) != 1 || evs[0].Stream != stream || evs[0].Type != "T-"+stream || string(evs[0].Data) != `"`+stream+`"` {
			t.Fatalf("read %d of %s now holds %+v", i, stream, evs)
		}
	}
}
