package actorstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// TestEmbeddedStoreOnAFullDisk: the embedded store on a 6 MiB tmpfs
// (mounted by the test as root; skipped otherwise) fills up: the append
// that does not fit fails with a typed error (errors.Is ErrDiskFull, code
// UNAVAILABLE: retryable once space is freed), nothing of it is written,
// every acknowledged append is complete, and after a ballast file is
// removed the same append (same event IDs) succeeds.
func TestEmbeddedStoreOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the disk-full test needs mount permission", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())

	batch := func() []actorstore.EventData {
		evs := make([]actorstore.EventData, 4)
		for i := range evs {
			evs[i] = actorstore.EventData{ID: uuid.New(), Type: "blob", ContentType: eventstore.ContentTypeBinary,
				Data: make([]byte, 32<<10)}
		}
		return evs
	}
	acked := 0
	var failed []actorstore.EventData
	for range 400 {
		evs := batch()
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := st.Append(actx, "fill", actorstore.Any(), evs...)
		cancel()
		if err != nil {
			if !errors.Is(err, sqlite.ErrDiskFull) || !actorstore.IsRetryable(err) {
				t.Fatalf("append on a full disk: %v (want ErrDiskFull, retryable)", err)
			}
			t.Logf("full after %d appends: %v", acked, err)
			failed = evs
			break
		}
		acked++
	}
	if failed == nil {
		t.Fatal("the disk never filled up")
	}
	evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "fill", Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4*acked {
		t.Fatalf("%d events stored after %d acknowledged appends of 4: half an append was written", len(evs), acked)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	res, err := st.Append(ctx, "fill", actorstore.Any(), failed...)
	if err != nil {
		t.Fatalf("append after space was freed: %v", err)
	}
	if res.FirstVersion != uint64(4*acked+1) {
		t.Fatalf("the retried append got version %d, want %d", res.FirstVersion, 4*acked+1)
	}
}

// TestPostgresOnAFullWALDisk: PostgreSQL whose write-ahead log lives on a
// 40 MiB tmpfs (mounted by the test as root; skipped otherwise), with WAL
// kept (wal_keep_size) so that it only grows, fills it up under appends.
// PostgreSQL cannot write WAL and stops (it PANICs, as it must: it never
// acknowledges a commit it could not log). The append that does not fit,
// and every one after it while the server is down, fails with a typed,
// retryable error; every acknowledged append is complete and nothing of
// an append is half-written; once a ballast file is removed and the server
// started again, the same append (same event IDs) succeeds, exactly once.
func TestPostgresOnAFullWALDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	// Not t.TempDir: the server runs as the postgres user, which must reach it.
	dir, err := os.MkdirTemp("/tmp", "actorstore-walfull-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=40m,mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the disk-full test needs mount permission", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	if err := os.Mkdir(filepath.Join(dir, "wal"), 0o700); err != nil {
		t.Fatal(err)
	}
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 12<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := pgtest.NewServer(t, pgtest.Options{WALDir: filepath.Join(dir, "wal"), WALSegmentMB: 1,
		Config: "wal_keep_size = '10GB'\nmin_wal_size = '2MB'\nmax_wal_size = '8MB'\n"})
	ctx := context.Background()
	st, err := actorstore.Open(ctx, actorstore.Config{PostgresURL: srv.NewDatabase(t),
		Retry: actorstore.RetryPolicy{MaxAttempts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())

	batch := func() []actorstore.EventData {
		evs := make([]actorstore.EventData, 4)
		for i := range evs {
			data := make([]byte, 32<<10)
			_, _ = rand.Read(data) // incompressible: WAL compression must not help
			evs[i] = actorstore.EventData{ID: uuid.New(), Type: "blob", ContentType: eventstore.ContentTypeBinary, Data: data}
		}
		return evs
	}
	var acked [][]actorstore.EventData
	var failed []actorstore.EventData
	for range 2000 {
		evs := batch()
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := st.Append(actx, "fill", actorstore.Any(), evs...)
		cancel()
		if err != nil {
			if !actorstore.IsRetryable(err) {
				t.Fatalf("append when the WAL disk filled up: %v (want a retryable error)", err)
			}
			t.Logf("full after %d appends: %v", len(acked), err)
			failed = evs
			break
		}
		acked = append(acked, evs)
	}
	if failed == nil {
		t.Fatal("the WAL disk never filled up")
	}
	// While the server is down, calls fail typed and retryable too.
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err = st.Append(actx, "other", actorstore.Any(), batch()...)
	cancel()
	if err == nil || !actorstore.IsRetryable(err) {
		t.Fatalf("append while the WAL disk is full: %v (want a retryable error)", err)
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	// The server stopped itself (or is still restarting): start it again.
	if err := srv.Stop(pgtest.StopImmediate); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var res actorstore.AppendResult
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, err = st.Append(actx, "fill", actorstore.Any(), failed...)
		cancel()
		if err == nil || !actorstore.IsRetryable(err) || attempt == 20 {
			break
		}
		time.Sleep(250 * time.Millisecond) // pacing of retries while the pool reconnects
	}
	if err != nil {
		t.Fatalf("append after space was freed and the server restarted: %v", err)
	}
	if want := uint64(4*len(acked) + 1); res.FirstVersion != want {
		t.Fatalf("the retried append got version %d, want %d (a half-written or lost append before it)", res.FirstVersion, want)
	}
	evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "fill", Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Concat(acked...), failed...)
	if len(evs) != len(want) {
		t.Fatalf("%d events stored, want %d: %d acknowledged appends of 4 and the retried one", len(evs), len(want), len(acked))
	}
	for i := range want {
		if evs[i].ID != want[i].ID || evs[i].Version != uint64(i+1) {
			t.Fatalf("event %d: %v at version %d, want %v at %d", i, evs[i].ID, evs[i].Version, want[i].ID, i+1)
		}
	}
}
