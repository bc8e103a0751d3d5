package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// groupLog records what the members of a consumer group processed.
type groupLog struct {
	mu       sync.Mutex
	maxSeen  map[string]uint64 // stream -> newest version processed by anyone
	seen     map[string]map[uint64]bool
	byMember map[int]int
	err      error
}

func (g *groupLog) handler(member int) Handler {
	last := map[string]uint64{} // this member's newest version per stream
	return func(_ context.Context, e eventstore.RecordedEvent) error {
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case g.err != nil:
		case e.Version > g.maxSeen[e.Stream]+1:
			g.err = fmt.Errorf("%s: version %d after %d: skipped ahead", e.Stream, e.Version, g.maxSeen[e.Stream])
		case e.Version <= last[e.Stream]:
			g.err = fmt.Errorf("member %d: %s version %d after %d", member, e.Stream, e.Version, last[e.Stream])
		}
		last[e.Stream] = e.Version
		g.maxSeen[e.Stream] = max(g.maxSeen[e.Stream], e.Version)
		if g.seen[e.Stream] == nil {
			g.seen[e.Stream] = map[uint64]bool{}
		}
		g.seen[e.Stream][e.Version] = true
		g.byMember[member]++
		return nil
	}
}

func (g *groupLog) complete(heads map[string]uint64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for s, v := range heads {
		if len(g.seen[s]) < int(v) {
			return false
		}
	}
	return true
}

// TestConsumerGroupSurvivesAMemberKill: three members share a durable
// subscription; one is killed mid-stream and another joins; every event is
// still processed at least once, each stream in order (never two members
// on one stream at once, never ahead of what was processed).
func TestConsumerGroupSurvivesAMemberKill(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		sys := newSystem(t)
		hub := newHub(t, sys, st, Config{})
		w := writer{st: st, hub: hub}
		log := &groupLog{maxSeen: map[string]uint64{}, seen: map[string]map[uint64]bool{}, byMember: map[int]int{}}
		members := make([]*Subscription, 3)
		for i := range members {
			s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "shipping", Group: true, Window: 8}}, log.handler(i))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			members[i] = s
		}
		const streams = 12
		heads := map[string]uint64{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 40 {
					stream := fmt.Sprintf("ship-%d", (g*40+i)%streams)
					evs := w.appendN(t, stream, 5, "e")
					if len(evs) == 0 {
						return
					}
					mu.Lock()
					heads[stream] = max(heads[stream], evs[len(evs)-1].Version)
					mu.Unlock()
				}
			}()
		}
		victim := -1
		eventually(t, 20*time.Second, "the group to work", func() bool {
			log.mu.Lock()
			defer log.mu.Unlock()
			for m, n := range log.byMember {
				if n >= 20 {
					victim = m
				}
			}
			return victim >= 0
		})
		sys.Stop(members[victim].runner) // killed: no goodbye, unacknowledged events in flight
		late, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "shipping", Group: true, Window: 8}}, log.handler(3))
		if err != nil { // a member joining mid-stream takes over idle streams only
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = late.Close() })
		wg.Wait()
		eventually(t, 30*time.Second, "every event", func() bool { return log.complete(heads) })
		log.mu.Lock()
		defer log.mu.Unlock()
		if log.err != nil {
			t.Fatal(log.err)
		}
		after := 0
		for m, n := range log.byMember {
			if m != victim {
				after += n
			}
		}
		if after == 0 {
			t.Fatalf("work per member: %v, killed %d", log.byMember, victim)
		}
		t.Logf("work per member: %v (killed %d)", log.byMember, victim)
	})
}

// TestConsumerGroupEndsWithItsLastMember: when every member has left, the
// group actor and its durable subscription stop, and the checkpoint is
// stored; a new member resumes after it.
func TestConsumerGroupEndsWithItsLastMember(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	w := writer{st: st, hub: hub}
	w.appendN(t, "g-1", 10, "e")
	rec := &recorder{byStream: true}
	s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "solo", Group: true}}, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "events", func() bool { l, _, _ := rec.state(); return l == 10 })
	_ = s.Close()
	eventually(t, 10*time.Second, "group gone", func() bool {
		st, err := hub.Stats(context.Background())
		return err == nil && st.Groups == 0 && st.Subscriptions == 0
	})
	eventually(t, 10*time.Second, "checkpoint", func() bool {
		cp, _, err := st.Checkpoint(context.Background(), checkpointName("solo"))
		return err == nil && cp == 10
	})
	w.appendN(t, "g-1", 5, "e")
	rec2 := &recorder{byStream: true, last: 10}
	s2, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "solo", Group: true}}, rec2.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	eventually(t, 10*time.Second, "the new events", func() bool { l, _, _ := rec2.state(); return l == 15 })
	if _, n, err := rec2.state(); n != 5 || err != nil {
		t.Fatalf("resumed with %d events, %v", n, err)
	}
}

// TestGroupSlotsSpreadOverProcesses: two hubs on one database (two
// processes) each have a member of a consumer group with four slots. The
// slots are spread two and two (checked from the lease table: each slot's
// lease is held by one process), both members process events, and every
// stream's events are processed in order without a gap. When the member of
// the second process leaves, its process gives its slots back and the
// first takes all four: every event is processed, each stream still in
// order.
func TestGroupSlotsSpreadOverProcesses(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, again func(testing.TB) persistence.Store) {
		// A TTL that a loaded machine renews in time (presence rounds every
		// third of it), so the members do not flap under -race in CI.
		cfg := Config{AckEvery: 5, AckInterval: 10 * time.Millisecond, LeaseTTL: 2 * time.Second}
		hubA := newHub(t, newSystem(t), st, cfg)
		stB := again(t)
		hubB := newHub(t, newSystem(t), stB, cfg)
		w := writer{st: st, hub: hubA}
		log := &groupLog{maxSeen: map[string]uint64{}, seen: map[string]map[uint64]bool{}, byMember: map[int]int{}}
		opts := HandlerOptions{Options: Options{Durable: "spread", Group: true, GroupSlots: 4, Window: 8}}
		a, err := hubA.Subscribe(context.Background(), opts, log.handler(0))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		b, err := hubB.Subscribe(context.Background(), opts, log.handler(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })

		lister := st.(persistence.LeaseLister)
		slotOwners := func() map[string]int { // process -> slots whose lease it holds
			leases, err := lister.ListLeases(context.Background(), checkpointName("spread#"))
			if err != nil {
				t.Fatal(err)
			}
			by := map[string]int{}
			for _, l := range leases {
				switch {
				case strings.HasPrefix(l.Owner, hubA.sh.owner+"/"):
					by["A"]++
				case strings.HasPrefix(l.Owner, hubB.sh.owner+"/"):
					by["B"]++
				default:
					t.Fatalf("slot lease %s held by %q, neither process", l.Name, l.Owner)
				}
			}
			return by
		}
		eventually(t, 60*time.Second, "the four slots spread two and two", func() bool {
			by := slotOwners()
			return by["A"] == 2 && by["B"] == 2
		})
		// The embedded store notifies only the store instance that
		// committed (it belongs to one process); here B's hub is told by
		// hand, as PostgreSQL's notifications tell it.
		embedded := strings.Contains(t.Name(), "sqlite")
		heads := map[string]uint64{}
		round := func(n int) {
			for i := range 16 {
				stream := fmt.Sprintf("order-%d", i)
				evs := w.appendN(t, stream, n, "e")
				if embedded {
					hubB.Publish(evs)
				}
				heads[stream] += uint64(n)
			}
		}
		round(5)
		eventually(t, 60*time.Second, "every event processed", func() bool { return log.complete(heads) })
		log.mu.Lock()
		if log.err != nil {
			t.Fatal(log.err)
		}
		if log.byMember[0] == 0 || log.byMember[1] == 0 {
			t.Fatalf("events processed per member %v: the slots are not spread", log.byMember)
		}
		log.mu.Unlock()

		_ = b.Close() // B's last member leaves: B gives its slots back
		eventually(t, 60*time.Second, "A holds all four slots", func() bool {
			by := slotOwners()
			return by["A"] == 4 && by["B"] == 0
		})
		round(5)
		eventually(t, 60*time.Second, "every event processed after the hand-over", func() bool { return log.complete(heads) })
		log.mu.Lock()
		defer log.mu.Unlock()
		if log.err != nil {
			t.Fatal(log.err)
		}
	})
}

// TestGroupSlotsMustAgree: a member that gives another slot count than the
// group runs with is refused.
func TestGroupSlotsMustAgree(t *testing.T) {
	eachBackend(t, func(t *testing.T, st persistence.Store, _ func(testing.TB) persistence.Store) {
		hub := newHub(t, newSystem(t), st, Config{})
		h := func(context.Context, eventstore.RecordedEvent) error { return nil }
		a, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "g", Group: true, GroupSlots: 4}}, h)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		_, err = hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "g", Group: true, GroupSlots: 2}}, h)
		var ie *eventstore.InputError
		if !errors.As(err, &ie) || ie.Field != "group_slots" {
			t.Fatalf("a member with 2 slots joining a group of 4: %v, want an InputError on group_slots", err)
		}
		_, err = hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "h", Group: true, GroupSlots: 257}}, h)
		if !errors.As(err, &ie) || ie.Field != "group_slots" {
			t.Fatalf("257 slots: %v, want an InputError on group_slots", err)
		}
	})
}

func TestSlotOfIsFNV1a(t *testing.T) {
	for _, s := range []string{"", "order-1", "a much longer stream name with ünïcode"} {
		h := fnv.New32a()
		_, _ = h.Write([]byte(s))
		if got, want := SlotOf(s, 7), int(h.Sum32()%7); got != want {
			t.Fatalf("SlotOf(%q, 7) = %d, want %d", s, got, want)
		}
	}
	if SlotOf("x", 1) != 0 || SlotOf("x", 0) != 0 {
		t.Fatal("one slot (or none) is slot 0")
	}
}
