package projections

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// eachBackend runs fn on the embedded store and on PostgreSQL; again opens
// a second store on the same database ("another process").
func eachBackend(t *testing.T, fn func(t *testing.T, db persistence.Store, again func() persistence.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "events.db")
		again := func() persistence.Store {
			s, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		fn(t, again(), again)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Server(t).NewDatabase(t)
		again := func() persistence.Store {
			s, err := postgres.Open(context.Background(), postgres.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		}
		fn(t, again(), again)
	})
}

// appendN appends n events of type typ to stream and returns their positions.
func appendN(t testing.TB, db persistence.Store, stream, typ string, n int) {
	t.Helper()
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = eventstore.EventData{ID: uuid.New(), Type: typ, ContentType: "application/json", Data: []byte(`{}`)}
	}
	res, err := db.AppendBatch(context.Background(), []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any(), Events: evs}})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append %s: %v %v", stream, err, res)
	}
}

// exec runs a statement outside any projection.
func exec(t testing.TB, db persistence.Store, q string, args ...any) {
	t.Helper()
	b, err := backendOf(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.inTx(context.Background(), func(ctx context.Context, tx Tx) error {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// counts reads the table counts (k text, n bigint) into a map.
func counts(t testing.TB, db persistence.Store, table string) map[string]int64 {
	t.Helper()
	b, _ := backendOf(db)
	out := map[string]int64{}
	if err := b.inTx(context.Background(), func(ctx context.Context, tx Tx) error {
		return tx.query(ctx, "SELECT k, n FROM "+table, func(scan func(...any) error) error {
			var k string
			var n int64
			err := scan(&k, &n)
			out[k] = n
			return err
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// streamCounts counts the events of each stream with prefix (by ReadAll).
func streamCounts(t testing.TB, db persistence.Store, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	var from eventstore.Position = 1
	for {
		evs, err := db.ReadAll(context.Background(), eventstore.AllRead{From: from, Limit: 1000,
			Filter: eventstore.Filter{StreamPrefix: prefix}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			out[e.Stream]++
			from = e.Position + 1
		}
		if len(evs) < 1000 {
			return out
		}
	}
}

// eventually polls cond until it holds, failing after 60 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// caughtUp waits until every partition of name/version has reached the head.
func caughtUp(t testing.TB, db persistence.Store, name string, version int) Status {
	t.Helper()
	var last Status
	eventually(t, fmt.Sprintf("%s v%d to catch up", name, version), func() bool {
		st, err := StatusOf(context.Background(), db, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s.Version == version {
				last = s
				return s.Position >= s.Head
			}
		}
		return false
	})
	return last
}

// counter is an exactly-once handler adding one per event to table's row of
// the event's stream.
func counter(table string) TxHandler {
	return func(ctx context.Context, tx Tx, evs []eventstore.RecordedEvent) error {
		for _, e := range evs {
			if _, err := tx.Exec(ctx, "INSERT INTO "+table+" (k, n) VALUES ($1, 1) ON CONFLICT (k) DO UPDATE SET n = "+
				table+".n + 1", e.Stream); err != nil {
				return err
			}
		}
		return nil
	}
}

func mustRun(t testing.TB, db persistence.Store, p Projection) *Runner {
	t.Helper()
	r, err := Run(context.Background(), db, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func testLogger(t testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
}
