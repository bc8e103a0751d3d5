package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/persistence/storecopy"
)

// TestCopyCommandEmbeddedToPostgres copies an embedded store into
// PostgreSQL with `actorstore copy`, compares the events' IDs and
// positions, and expects a second copy into the now non-empty target to
// fail with *storecopy.TargetNotEmptyError. (persistence/storecopy's tests
// compare every field.)
func TestCopyCommandEmbeddedToPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	src, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, actorstore.EmbeddedFileName)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for i := range 300 {
		e := eventstore.EventData{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}
		ids = append(ids, e.ID)
		if _, err := src.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: fmt.Sprintf("s-%d", i%7),
			Expected: eventstore.Any(), Events: []eventstore.EventData{e}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.SetCheckpoint(ctx, "projection", 120); err != nil {
		t.Fatal(err)
	}
	src.Close()
	url := pgtest.Server(t).NewDatabase(t)
	if err := runCLI(t, "copy", "--from", dir, "--to", url, "--batch", "64", "--no-progress"); err != nil {
		t.Fatal(err)
	}
	dst, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	evs, err := dst.ReadAll(ctx, eventstore.AllRead{From: 1, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != len(ids) {
		t.Fatalf("copied %d events, want %d", len(evs), len(ids))
	}
	for i, e := range evs {
		if e.ID != ids[i] || e.Position != uint64(i+1) || e.Version != uint64(i/7+1) {
			t.Fatalf("event %d: %s at position %d version %d", i, e.ID, e.Position, e.Version)
		}
	}
	if pos, ok, err := dst.Checkpoint(ctx, "projection"); err != nil || !ok || pos != 120 {
		t.Errorf("checkpoint: %d %v %v", pos, ok, err)
	}
	err = runCLI(t, "copy", "--from", dir, "--to", url, "--no-progress")
	var ne *storecopy.TargetNotEmptyError
	if !errors.As(err, &ne) || ne.LastPosition != 300 {
		t.Fatalf("second copy: want *storecopy.TargetNotEmptyError at 300, got %v", err)
	}
	var ue *usageError
	if err := runCLI(t, "copy", "--from", filepath.Join(dir, "nothing"), "--to", url); !errors.As(err, &ue) {
		t.Errorf("copy from a directory without a store: want a usage error, got %v", err)
	}
}
