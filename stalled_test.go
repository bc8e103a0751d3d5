package actorstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actorstore/actorstore"
)

// stalledWindow is the credit window of the stalled subscriber.
const stalledWindow = 8

// stall subscribes a handler that blocks on its first event until stop is
// called: its subscriber actor never grants another credit. calls counts
// the events the handler was called with.
func stall(tb testing.TB, st *actorstore.Store) (stop func(), calls *atomic.Int64) {
	tb.Helper()
	release := make(chan struct{})
	calls = new(atomic.Int64)
	sub, err := st.Subscribe(context.Background(),
		actorstore.SubscribeOptions{Window: stalledWindow},
		func(ctx context.Context, _ actorstore.RecordedEvent) error {
			calls.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		})
	if err != nil {
		tb.Fatal(err)
	}
	return func() { close(release); sub.Close() }, calls
}

// appendWorkload appends batches of 10 events to 4 streams in turn, through
// the stream actors and the group-commit writer.
func appendWorkload(ctx context.Context, st *actorstore.Store, batches int, each func()) error {
	for i := 0; i < batches; i++ {
		evs := make([]actorstore.EventData, 10)
		for j := range evs {
			evs[j] = ev("Stalled")
		}
		if _, err := st.Append(ctx, fmt.Sprintf("stall-%d", i%4), actorstore.Any(), evs...); err != nil {
			return err
		}
		each()
	}
	return nil
}

// TestStalledSubscriberIsBoundedByItsWindow (invariant 9): a handler that
// stops on its first event holds up neither the appends of the whole
// workload nor a second subscriber, and costs bounded memory: its
// subscription has sent exactly its credit window (the events waiting for
// the handler), and no subscription actor ever holds more than
// 2×BufferFactor×window events (its live buffer before it falls back to
// catch-up, and its queue). Speed is compared in BenchmarkAppendWithStalledSubscriber.
func TestStalledSubscriberIsBoundedByItsWindow(t *testing.T) {
	backends(t, func(t *testing.T, open func(*testing.T, actorstore.Config) *actorstore.Store) {
		st := open(t, actorstore.Config{})
		ctx := context.Background()
		hub := engineOf(st).Hub
		stop, calls := stall(t, st)
		t.Cleanup(stop)
		const fastWindow = 16
		fast := collect(t, st, actorstore.SubscribeOptions{Window: fastWindow})

		const batches = 200
		// A subscription holds live events while catching up (at most
		// bufLimit: DefaultBufferFactor×window, at least 16) and queued
		// events not yet sent (at most bufLimit live ones, or one catch-up
		// page of at most its credits): together at most 2×bufLimit.
		bufLimit := int64(max(2*stalledWindow, 16))
		var maxHeld, maxInFlight int64
		err := appendWorkload(ctx, st, batches, func() {
			f := hub.Flow(0)
			maxHeld, maxInFlight = max(maxHeld, f.MaxHeld), max(maxInFlight, f.CreditsInFlight)
		})
		if err != nil {
			t.Fatalf("append with a stalled subscriber: %v", err)
		}
		fast.wait(t, batches*10) // the other subscriber got everything
		// Once the fast subscriber has credited everything back, what is in
		// flight is the stalled subscriber's window, exactly.
		deadline := time.Now().Add(30 * time.Second)
		for hub.Flow(0).CreditsInFlight != stalledWindow {
			if time.Now().After(deadline) {
				t.Fatalf("credits in flight %d, want the stalled window %d", hub.Flow(0).CreditsInFlight, stalledWindow)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if n := calls.Load(); n != 1 {
			t.Errorf("stalled handler called %d times, want 1 (it never returns)", n)
		}
		if maxHeld > 2*bufLimit || maxInFlight > stalledWindow+fastWindow {
			t.Fatalf("a subscription held %d events (limit %d), %d in flight (windows %d+%d)",
				maxHeld, 2*bufLimit, maxInFlight, stalledWindow, fastWindow)
		}
		t.Logf("%d events appended; most held by one subscription %d, most in flight %d", batches*10, maxHeld, maxInFlight)
	})
}

// BenchmarkAppendWithStalledSubscriber runs the same append workload
// (b.N rounds of 50 appends of 10 events, 4 streams) with no subscriber and
// with a subscriber whose handler has stalled, interleaved in one run on
// one embedded Store, and reports the time of each and stalled/none: a
// stalled subscriber should cost appends nothing (ratio near 1). Compare
// ratios, not absolute figures; see docs/benchmarks.md.
func BenchmarkAppendWithStalledSubscriber(b *testing.B) {
	st, err := actorstore.Open(context.Background(), actorstore.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close(context.Background())
	ctx := context.Background()
	const batches = 50
	nothing := func() {}
	if err := appendWorkload(ctx, st, batches, nothing); err != nil { // warm up the stream actors
		b.Fatal(err)
	}
	var none, stalled time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := appendWorkload(ctx, st, batches, nothing); err != nil {
			b.Fatal(err)
		}
		none += time.Since(t0)

		stop, _ := stall(b, st)
		t0 = time.Now()
		if err := appendWorkload(ctx, st, batches, nothing); err != nil {
			b.Fatal(err)
		}
		stalled += time.Since(t0)
		stop()
	}
	b.StopTimer()
	b.ReportMetric(float64(none.Microseconds())/float64(b.N)/1000, "none-ms/round")
	b.ReportMetric(float64(stalled.Microseconds())/float64(b.N)/1000, "stalled-ms/round")
	b.ReportMetric(float64(stalled)/float64(none), "stalled/none")
	b.ReportMetric(0, "ns/op")
}
