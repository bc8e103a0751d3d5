package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/google/uuid"
	"pgregory.net/rapid"
)

// testRoundTrip is a property test: arbitrary valid events come back from
// ReadStream, ReadAll and LookupEvents exactly as appended.
func testRoundTrip(t *testing.T, f Factory) {
	st := open(t, f)
	n := 0
	rapid.Check(t, func(rt *rapid.T) {
		n++
		stream := fmt.Sprintf("%s-%d", rapid.StringMatching(`[a-zA-Zé😀_.:]{1,20}`).Draw(rt, "category"), n)
		events := rapid.SliceOfN(genEvent(), 1, 5).Draw(rt, "events")
		res, err := st.AppendBatch(ctxFor(t), []eventstore.AppendRequest{req(stream, eventstore.NoStream(), events...)})
		if err != nil {
			rt.Fatalf("AppendBatch: %v", err)
		}
		if res[0].Err != nil {
			rt.Fatalf("append: %v", res[0].Err)
		}
		got, err := st.ReadStream(ctxFor(t), eventstore.StreamRead{Stream: stream, Limit: 10})
		if err != nil {
			rt.Fatalf("ReadStream: %v", err)
		}
		if len(got) != len(events) {
			rt.Fatalf("read %d events, appended %d", len(got), len(events))
		}
		for i := range got {
			sameEvent(rt, got[i], events[i], stream, res[0].FirstVersion+uint64(i), res[0].FirstPosition+uint64(i))
		}
		all, err := st.ReadAll(ctxFor(t), eventstore.AllRead{From: res[0].FirstPosition, Limit: len(events)})
		if err != nil || len(all) != len(events) {
			rt.Fatalf("ReadAll: %v (%d events)", err, len(all))
		}
		ids := make([]eventstore.EventID, len(events))
		for i := range all {
			sameEvent(rt, all[i], events[i], stream, got[i].Version, got[i].Position)
			ids[i] = events[i].ID
		}
		looked, err := st.LookupEvents(ctxFor(t), stream, ids)
		if err != nil || len(looked) != len(events) {
			rt.Fatalf("LookupEvents: %v (%d events)", err, len(looked))
		}
		for i := range looked {
			sameEvent(rt, looked[i], events[i], stream, got[i].Version, got[i].Position)
		}
	})
}

// genEvent generates valid events: random types, binary data (including
// empty), metadata (nil, empty or with unicode), schema versions and
// content types.
func genEvent() *rapid.Generator[eventstore.EventData] {
	text := rapid.StringMatching(`[a-zA-Z0-9 ._/\-äß€漢字😀\t\n]{0,24}`)
	return rapid.Custom(func(rt *rapid.T) eventstore.EventData {
		e := eventstore.EventData{
			Type:          rapid.StringMatching(`[A-Za-z][A-Za-z0-9.:é漢]{0,30}`).Draw(rt, "type"),
			SchemaVersion: rapid.Uint32().Draw(rt, "schema"),
			ContentType: rapid.SampledFrom([]string{"", eventstore.ContentTypeJSON,
				eventstore.ContentTypeProtobuf, eventstore.ContentTypeBinary, "text/plain; charset=utf-8"}).Draw(rt, "content_type"),
			Data: rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(rt, "data"),
		}
		if eventstore.IsJSONContentType(e.ContentType) { // JSON must be valid: a JSON string of text
			e.Data, _ = json.Marshal(text.Draw(rt, "json"))
		}
		copy(e.ID[:], rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(rt, "id"))
		if e.ID == uuid.Nil {
			e.ID = uuid.New()
		}
		switch rapid.IntRange(0, 2).Draw(rt, "metadata_kind") {
		case 1:
			e.Metadata = map[string]string{}
		case 2:
			e.Metadata = rapid.MapOfN(text, text, 1, 5).Draw(rt, "metadata")
		}
		return e
	})
}

// sameEvent checks a read event field by field against the appended one.
// Nil and empty metadata are equal, as are an empty content type and JSON.
func sameEvent(rt *rapid.T, got eventstore.RecordedEvent, want eventstore.EventData, stream string,
	version eventstore.Version, pos eventstore.Position) {
	rt.Helper()
	ct := func(s string) string {
		if s == "" {
			return eventstore.ContentTypeJSON
		}
		return s
	}
	switch {
	case got.ID != want.ID:
		rt.Fatalf("ID %s, want %s", got.ID, want.ID)
	case got.Type != want.Type:
		rt.Fatalf("Type %q, want %q", got.Type, want.Type)
	case got.SchemaVersion != want.SchemaVersion:
		rt.Fatalf("SchemaVersion %d, want %d", got.SchemaVersion, want.SchemaVersion)
	case ct(got.ContentType) != ct(want.ContentType):
		rt.Fatalf("ContentType %q, want %q", got.ContentType, want.ContentType)
	case got.Data == nil || !bytes.Equal(got.Data, want.Data):
		rt.Fatalf("Data %q, want %q", got.Data, want.Data)
	case !maps.Equal(got.Metadata, want.Metadata):
		rt.Fatalf("Metadata %q, want %q", got.Metadata, want.Metadata)
	case got.Stream != stream || got.Version != version || got.Position != pos:
		rt.Fatalf("at %q version %d position %d, want %q %d %d", got.Stream, got.Version, got.Position,
			stream, version, pos)
	case got.Created.IsZero() || got.Created.Location().String() != "UTC":
		rt.Fatalf("Created %v, want a UTC commit time", got.Created)
	}
}
