package actorstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
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
