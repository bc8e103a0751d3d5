package postgres_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// TestStatementCacheModes appends (both write paths, and the fast
// append's one-request statement), retries and reads back in every
// statement cache mode, since each encodes parameters differently (the
// simple protocol sends arrays as text).
func TestStatementCacheModes(t *testing.T) {
	t.Parallel()
	srv := pgtest.Server(t)
	for _, mode := range []string{"prepare", "describe", "exec", "simple"} {
		for _, copyThreshold := range []int{1, 1000} {
			s := openStore(t, srv.NewDatabase(t), postgres.Config{StatementCacheMode: mode, CopyThreshold: copyThreshold})
			e := eventstore.EventData{ID: uuid.New(), Type: "Ünïcode", SchemaVersion: 4_000_000_000,
				ContentType: eventstore.ContentTypeBinary, Data: []byte{0, 1, 2, '\\', 'x', 255},
				Metadata: map[string]string{"k": "v \"quoted\" ü"}}
			req := []eventstore.AppendRequest{{Stream: "mode-é", Expected: eventstore.NoStream(),
				Events: []eventstore.EventData{e, {ID: uuid.New(), Type: "Empty", Data: []byte{}}}}}
			first, err := s.AppendBatch(context.Background(), req)
			if err != nil || first[0].Err != nil {
				t.Fatalf("%s/copy>=%d: append: %v %+v", mode, copyThreshold, err, first)
			}
			again, err := s.AppendBatch(context.Background(), req)
			if err != nil || !again[0].Idempotent || again[0].LastPosition != first[0].LastPosition {
				t.Fatalf("%s/copy>=%d: retry: %v %+v", mode, copyThreshold, err, again)
			}
			got, err := s.ReadAll(context.Background(), eventstore.AllRead{Limit: 10, Filter: eventstore.Filter{
				StreamPrefix: "mode-", EventTypes: []string{"Ünïcode", "Empty"}}})
			if err != nil || len(got) != 2 {
				t.Fatalf("%s/copy>=%d: read: %d events, %v", mode, copyThreshold, len(got), err)
			}
			g := got[0]
			if g.ID != e.ID || g.Type != e.Type || g.SchemaVersion != e.SchemaVersion ||
				g.ContentType != e.ContentType || !bytes.Equal(g.Data, e.Data) ||
				g.Metadata["k"] != e.Metadata["k"] || got[1].Data == nil || len(got[1].Data) != 0 ||
				got[1].Metadata != nil {
				t.Fatalf("%s/copy>=%d: read back %+v", mode, copyThreshold, got)
			}
			one := e
			one.ID = uuid.New()
			req = []eventstore.AppendRequest{{Stream: "one-é", Expected: eventstore.NoStream(),
				Events: []eventstore.EventData{one}}}
			if res, err := s.AppendBatch(context.Background(), req); err != nil || res[0].Err != nil ||
				res[0].LastVersion != 1 || res[0].LastPosition != first[0].LastPosition+1 {
				t.Fatalf("%s/copy>=%d: append of one event: %v %+v", mode, copyThreshold, err, res)
			}
			back, err := s.ReadStream(context.Background(), eventstore.StreamRead{Stream: "one-é", Limit: 10})
			if err != nil || len(back) != 1 {
				t.Fatalf("%s/copy>=%d: read of one event: %d events, %v", mode, copyThreshold, len(back), err)
			}
			if b := back[0]; b.ID != one.ID || b.Type != one.Type || b.SchemaVersion != one.SchemaVersion ||
				b.ContentType != one.ContentType || !bytes.Equal(b.Data, one.Data) || b.Metadata["k"] != one.Metadata["k"] {
				t.Fatalf("%s/copy>=%d: one event read back %+v", mode, copyThreshold, b)
			}
		}
	}
}
