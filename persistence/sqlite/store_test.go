package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: path})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return st
}

func openStoreErr(path string) (*sqlite.Store, error) {
	return sqlite.Open(context.Background(), sqlite.Config{Path: path})
}

func event(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}
}

func TestReopenKeepsDataAndPositionsContinue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	st := openStore(t, path)
	res, err := st.AppendBatch(ctx, []eventstore.AppendRequest{
		{Stream: "a-1", Expected: eventstore.NoStream(), Events: []eventstore.EventData{event("x"), event("y")}},
	})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append: %v %+v", err, res)
	}
	if err := st.SetCheckpoint(ctx, "cp", 2); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LastPosition(ctx); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("LastPosition after Close: %v, want ErrClosed", err)
	}

	st = openStore(t, path)
	defer st.Close()
	evs, err := st.ReadStream(ctx, eventstore.StreamRead{Stream: "a-1", Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("read after reopen: %v, %d events", err, len(evs))
	}
	if pos, ok, err := st.Checkpoint(ctx, "cp"); err != nil || !ok || pos != 2 {
		t.Fatalf("checkpoint after reopen: %d %v %v", pos, ok, err)
	}
	res, err = st.AppendBatch(ctx, []eventstore.AppendRequest{
		{Stream: "a-1", Expected: eventstore.Exact(2), Events: []eventstore.EventData{event("z")}},
	})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append after reopen: %v %+v", err, res)
	}
	if res[0].FirstVersion != 3 || res[0].FirstPosition != 3 {
		t.Fatalf("after reopen got version %d position %d, want 3 and 3", res[0].FirstVersion, res[0].FirstPosition)
	}
}

// TestTwoStoresShareOneFile opens the file twice (as two processes would)
// and appends from both at once with exact expected versions: SQLite's
// write lock keeps versions contiguous and positions gapless.
func TestTwoStoresShareOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := []*sqlite.Store{openStore(t, path), openStore(t, path)}
	defer stores[0].Close()
	defer stores[1].Close()
	const perWriter = 20
	errs := make(chan error, 4)
	for w := range 4 {
		st := stores[w%2]
		go func() {
			var known eventstore.Version
			for done := 0; done < perWriter; {
				res, err := st.AppendBatch(ctx, []eventstore.AppendRequest{
					{Stream: "shared-1", Expected: eventstore.Exact(known), Events: []eventstore.EventData{event("x")}},
				})
				if err != nil {
					errs <- err
					return
				}
				var ce *eventstore.ConcurrencyError
				switch {
				case errors.As(res[0].Err, &ce):
					known = ce.Actual
				case res[0].Err != nil:
					errs <- res[0].Err
					return
				default:
					known = res[0].LastVersion
					done++
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	all, err := stores[1].ReadAll(ctx, eventstore.AllRead{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4*perWriter {
		t.Fatalf("%d events, want %d", len(all), 4*perWriter)
	}
	for i, e := range all {
		if e.Position != uint64(i+1) || e.Version != uint64(i+1) {
			t.Fatalf("event %d at position %d version %d", i, e.Position, e.Version)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name  string
		cfg   sqlite.Config
		field string
	}{
		{"valid, defaults", sqlite.Config{Path: "x.db"}, ""},
		{"no path", sqlite.Config{}, "Path"},
		{"question mark", sqlite.Config{Path: "x.db?mode=ro"}, "Path"},
		{"negative readers", sqlite.Config{Path: "x.db", Readers: -1}, "Readers"},
		{"negative timeout", sqlite.Config{Path: "x.db", Timeout: -1}, "Timeout"},
		{"negative busy timeout", sqlite.Config{Path: "x.db", BusyTimeout: -1}, "BusyTimeout"},
		{"negative limit", sqlite.Config{Path: "x.db", Limits: eventstore.Limits{MaxEventSize: -1}}, "Limits"},
		{"negative retry", sqlite.Config{Path: "x.db", Retry: persistence.RetryPolicy{MaxAttempts: -1}}, "Retry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			var ie *eventstore.InputError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case c.field != "" && (!errors.As(err, &ie) || ie.Field != c.field):
				t.Fatalf("Validate: %v, want an InputError for %s", err, c.field)
			}
		})
	}
	d := sqlite.Config{Path: "x.db"}.WithDefaults()
	if d.Readers != sqlite.DefaultReaders || d.Timeout != sqlite.DefaultTimeout ||
		d.BusyTimeout != sqlite.DefaultBusyTimeout || d.Limits != eventstore.DefaultLimits ||
		d.Retry != persistence.DefaultRetryPolicy {
		t.Fatalf("WithDefaults: %+v", d)
	}
	if _, err := sqlite.Open(context.Background(), sqlite.Config{}); !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("Open without a path: %v", err)
	}
}

// TestLargeRequests crosses the chunking of IN lists: a retry of a request
// of 1,200 events is idempotent and LookupEvents finds all of them.
func TestLargeRequests(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "large.db"))
	defer st.Close()
	events := make([]eventstore.EventData, 1200)
	ids := make([]eventstore.EventID, len(events))
	for i := range events {
		events[i] = event("Bulk")
		ids[len(ids)-1-i] = events[i].ID // reversed: the result must be in version order
	}
	reqs := []eventstore.AppendRequest{{Stream: "bulk-1", Events: events}}
	first, err := st.AppendBatch(ctx, reqs)
	if err != nil || first[0].Err != nil || first[0].LastVersion != 1200 {
		t.Fatalf("append: %v %+v", err, first)
	}
	again, err := st.AppendBatch(ctx, reqs)
	if err != nil || !again[0].Idempotent || again[0].LastPosition != first[0].LastPosition {
		t.Fatalf("retry: %v %+v", err, again)
	}
	got, err := st.LookupEvents(ctx, "bulk-1", ids)
	if err != nil || len(got) != len(events) {
		t.Fatalf("LookupEvents: %v, %d events", err, len(got))
	}
	for i := range got {
		if got[i].ID != events[i].ID || got[i].Version != uint64(i+1) {
			t.Fatalf("LookupEvents[%d] = %s version %d", i, got[i].ID, got[i].Version)
		}
	}
}
