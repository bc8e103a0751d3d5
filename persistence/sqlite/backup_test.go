package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// TestBackupWhileWriting: a backup taken while writers append is a
// consistent store: it passes the check, its events are exactly positions
// 1..LastPosition with contiguous versions per stream, it opens as a
// store, and a restore of it into a new place takes appends at the next
// position. A corrupt copy fails the check; backup and restore refuse to
// overwrite.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "events.db")
	st, err := sqlite.Open(ctx, sqlite.Config{Path: src})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var (
		wg      sync.WaitGroup
		stop    atomic.Bool
		written atomic.Int64
		going   = make(chan struct{})
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := "s-" + string(rune('a'+w))
			for !stop.Load() || written.Load() < 200 {
				_, err := st.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: stream, Expected: eventstore.Any(),
					Events: []eventstore.EventData{{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}}}})
				if err != nil {
					t.Error(err)
					return
				}
				if written.Add(1) == 100 {
					close(going)
				}
			}
		}()
	}
	<-going // the writers are appending
	bak := filepath.Join(dir, "backup.db")
	rep, err := sqlite.Backup(ctx, src, bak)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events == 0 || uint64(rep.Events) != rep.LastPosition {
		t.Fatalf("backup report %+v: events must be exactly positions 1..last", rep)
	}
	if _, err := sqlite.Backup(ctx, src, bak); !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("backup over an existing file: %v", err)
	}
	restored := filepath.Join(dir, "restored.db")
	if _, err := sqlite.Restore(ctx, bak, restored); err != nil {
		t.Fatal(err)
	}
	rs, err := sqlite.Open(ctx, sqlite.Config{Path: restored})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	all, err := rs.ReadAll(ctx, eventstore.AllRead{Limit: 1_000_000})
	if err != nil || int64(len(all)) != rep.Events {
		t.Fatalf("restored store: %d events, %v; want %d", len(all), err, rep.Events)
	}
	versions := map[string]uint64{}
	for i, e := range all {
		if e.Position != uint64(i+1) || e.Version != versions[e.Stream]+1 {
			t.Fatalf("restored event %d: %s@%d at %d (a torn copy)", i, e.Stream, e.Version, e.Position)
		}
		versions[e.Stream] = e.Version
	}
	res, err := rs.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: "after", Expected: eventstore.NoStream(),
		Events: []eventstore.EventData{{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}}}})
	if err != nil || res[0].FirstPosition != rep.LastPosition+1 {
		t.Fatalf("append to the restored store: %+v, %v", res, err)
	}
	if _, err := sqlite.Restore(ctx, bak, restored); !errors.Is(err, eventstore.ErrInvalidInput) {
		t.Fatalf("restore over an existing store: %v", err)
	}
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, []byte("not a database at all, just text"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.VerifyBackup(ctx, bad); err == nil {
		t.Fatal("a file that is not a store passed the backup check")
	}
}
