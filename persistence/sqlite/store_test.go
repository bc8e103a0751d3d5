package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

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

func event(typ string) persistence.EventData {
	return persistence.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}
}

func TestReopenKeepsDataAndPositionsContinue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.db")
	st := openStore(t, path)
	res, err := st.AppendBatch(ctx, []persistence.AppendRequest{
		{Stream: "a-1", Expected: persistence.NoStream(), Events: []persistence.EventData{event("x"), event("y")}},
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
	if _, err := st.LastPosition(ctx); !errors.Is(err, persistence.ErrClosed) {
		t.Fatalf("LastPosition after Close: %v, want ErrClosed", err)
	}

	st = openStore(t, path)
	defer st.Close()
	evs, err := st.ReadStream(ctx, persistence.StreamRead{Stream: "a-1", Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("read after reopen: %v, %d events", err, len(evs))
	}
	if pos, ok, err := st.Checkpoint(ctx, "cp"); err != nil || !ok || pos != 2 {
		t.Fatalf("checkpoint after reopen: %d %v %v", pos, ok, err)
	}
	res, err = st.AppendBatch(ctx, []persistence.AppendRequest{
		{Stream: "a-1", Expected: persistence.Exact(2), Events: []persistence.EventData{event("z")}},
	})
	if err != nil || res[0].Err != nil {
		t.Fatalf("append after reopen: %v %+v", err, res)
	}
	if res[0].FirstVersion != 3 || res[0].FirstPosition != 3 {
		t.Fatalf("after reopen got version %d position %d, want 3 and 3", res[0].FirstVersion, res[0].FirstPosition)
	}
}
