package storecopy_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/persistence/storecopy"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "actorstore.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t *testing.T) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), postgres.Config{URL: pgtest.Server(t).NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// fill writes n batches to st: streams interleaved (so a stream's events
// are spread over the global order), events with metadata, content types
// and schema versions, multi-stream transactions (groups), one failed
// request, and two checkpoints.
func fill(t *testing.T, st persistence.Store, batches int) {
	t.Helper()
	ctx := context.Background()
	for b := range batches {
		var reqs []eventstore.AppendRequest
		for s := range 7 {
			evs := make([]eventstore.EventData, 1+(b+s)%3)
			for i := range evs {
				evs[i] = eventstore.EventData{ID: uuid.New(), Type: fmt.Sprintf("T%d", i%2), Data: []byte(fmt.Sprintf(`{"b":%d}`, b)),
					SchemaVersion: uint32(s % 3)}
				if s%2 == 0 {
					evs[i].Metadata = map[string]string{"who": "test", "n": fmt.Sprint(i)}
				}
				if s == 3 {
					evs[i].ContentType, evs[i].Data = eventstore.ContentTypeBinary, []byte{0, 1, 2, byte(b)}
				}
			}
			reqs = append(reqs, eventstore.AppendRequest{Stream: fmt.Sprintf("s-%d", (b*3+s)%11),
				Expected: eventstore.Any(), Events: evs, Group: uint64(s / 4)})
		}
		// A stale expectation: fails alone, writes nothing, uses no position.
		reqs = append(reqs, eventstore.AppendRequest{Stream: fmt.Sprintf("fail-%d", b), Expected: eventstore.Exact(9),
			Events: []eventstore.EventData{{ID: uuid.New(), Type: "X", Data: []byte(`{}`)}}})
		dedupe := map[string]bool{}
		var uniq []eventstore.AppendRequest
		for _, r := range reqs {
			if !dedupe[r.Stream] {
				dedupe[r.Stream] = true
				uniq = append(uniq, r)
			}
		}
		if _, err := st.AppendBatch(ctx, uniq); err != nil {
			t.Fatal(err)
		}
	}
	for name, pos := range map[string]uint64{"orders": 5, "billing/eu": 17} {
		if err := st.SetCheckpoint(ctx, name, pos); err != nil {
			t.Fatal(err)
		}
	}
}

func readAll(t *testing.T, st persistence.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for from := uint64(1); ; {
		evs, err := st.ReadAll(context.Background(), eventstore.AllRead{From: from, Limit: 97})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return out
		}
		out = append(out, evs...)
		from = evs[len(evs)-1].Position + 1
	}
}

// sameStores compares every event field, in global order, the stream
// heads, and the checkpoints. withCreated compares created times to the
// microsecond (PostgreSQL's resolution).
func sameStores(t *testing.T, a, b persistence.Store, withCreated bool) {
	t.Helper()
	ea, eb := readAll(t, a), readAll(t, b)
	if len(ea) != len(eb) || len(ea) == 0 {
		t.Fatalf("source has %d events, target %d", len(ea), len(eb))
	}
	streams := map[string]bool{}
	for i := range ea {
		x, y := ea[i], eb[i]
		streams[x.Stream] = true
		if len(x.Metadata) == 0 && len(y.Metadata) == 0 {
			x.Metadata, y.Metadata = nil, nil
		}
		if withCreated {
			if !x.Created.Truncate(time.Microsecond).Equal(y.Created) {
				t.Fatalf("event %d: created %v, copied %v", i, x.Created, y.Created)
			}
		}
		x.Created, y.Created = time.Time{}, time.Time{}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("event %d differs:\nsource %+v\ntarget %+v", i, x, y)
		}
	}
	ctx := context.Background()
	for s := range streams {
		ha, err := a.Head(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		hb, err := b.Head(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if ha != hb {
			t.Errorf("stream %s: head %+v, copied %+v", s, ha, hb)
		}
	}
	ca, err := a.(storecopy.CheckpointLister).Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.(storecopy.CheckpointLister).Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ca) != 2 || !reflect.DeepEqual(ca, cb) {
		t.Errorf("checkpoints %v, copied %v", ca, cb)
	}
}

func TestCopySQLiteToPostgresKeepsEveryField(t *testing.T) {
	src, dst := openSQLite(t), openPostgres(t)
	fill(t, src, 60)
	var calls int
	st, err := storecopy.Copy(context.Background(), src, dst, storecopy.Options{BatchEvents: 50,
		Progress: func(copied, total uint64) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	last, _ := src.LastPosition(context.Background())
	if st.Events != last || !st.Bulk || st.Checkpoints != 2 || calls == 0 {
		t.Errorf("stats %+v, source last position %d, %d progress calls", st, last, calls)
	}
	sameStores(t, src, dst, true)
	// The copy is a working store: an append continues the streams and positions.
	res, err := dst.AppendBatch(context.Background(), []eventstore.AppendRequest{{Stream: "s-1",
		Expected: eventstore.StreamExists(), Events: []eventstore.EventData{{ID: uuid.New(), Type: "T", Data: []byte(`{}`)}}}})
	if err != nil || res[0].Err != nil || res[0].FirstPosition != last+1 {
		t.Fatalf("append after copy: %v %+v", err, res)
	}
}

func TestCopyPostgresToSQLiteThroughAppendBatch(t *testing.T) {
	src, dst := openPostgres(t), openSQLite(t)
	fill(t, src, 30)
	st, err := storecopy.Copy(context.Background(), src, dst, storecopy.Options{BatchEvents: 40})
	if err != nil {
		t.Fatal(err)
	}
	if st.Bulk {
		t.Error("SQLite target reported as bulk import")
	}
	sameStores(t, src, dst, false)
}

func TestCopyRefusesNonEmptyTargetThenResumes(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openPostgres(t)
	fill(t, src, 20)
	// A first copy that stops after two pages leaves a prefix behind.
	cctx, cancel := context.WithCancel(ctx)
	pages := 0
	_, err := storecopy.Copy(cctx, src, dst, storecopy.Options{BatchEvents: 30, Progress: func(uint64, uint64) {
		if pages++; pages == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled copy: %v", err)
	}
	copied, _ := dst.LastPosition(ctx)
	if copied == 0 {
		t.Fatal("the cancelled copy wrote nothing")
	}
	_, err = storecopy.Copy(ctx, src, dst, storecopy.Options{})
	var ne *storecopy.TargetNotEmptyError
	if !errors.As(err, &ne) || ne.LastPosition != copied {
		t.Fatalf("copy into a non-empty target: want *TargetNotEmptyError at %d, got %v", copied, err)
	}
	if last, _ := dst.LastPosition(ctx); last != copied {
		t.Fatalf("the refused copy wrote: last position %d, was %d", last, copied)
	}
	st, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != copied {
		t.Errorf("resume skipped %d, want %d", st.Skipped, copied)
	}
	sameStores(t, src, dst, true)
}

func TestResumeRefusesATargetThatIsNotAPrefix(t *testing.T) {
	ctx := context.Background()
	src, dst := openSQLite(t), openSQLite(t)
	fill(t, src, 5)
	fill(t, dst, 1) // other events, other IDs
	_, err := storecopy.Copy(ctx, src, dst, storecopy.Options{Resume: true})
	var me *storecopy.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("want *MismatchError, got %v", err)
	}
}
