package leasing

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/sqlite"
)

// TestPartitionsSpreadAndMoveWhenAParticipantLeaves: three participants on
// one store split six partitions two each, every partition with exactly
// one of them; when one stops, its presence lease goes and the two others
// take its partitions, three each.
func TestPartitionsSpreadAndMoveWhenAParticipantLeaves(t *testing.T) {
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const parts = 6
	ttl := 300 * time.Millisecond
	shares := make([]*Share, 3)
	cancels := make([]context.CancelFunc, 3)
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	for i := range shares {
		shares[i] = New(st, st, "proj/v1", fmt.Sprintf("owner-%d", i), ttl, zerolog.Nop())
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		t.Cleanup(cancel)
		wg.Go(func() { shares[i].Run(ctx) })
	}
	owners := func(live []*Share) ([]int, bool) {
		count := make([]int, len(live))
		for p := range parts {
			n := 0
			for i, s := range live {
				if s.Mine(p) {
					n++
					count[i]++
				}
			}
			if n != 1 {
				return count, false
			}
		}
		return count, true
	}
	waitFor(t, "three participants with two partitions each", func() bool {
		for _, s := range shares {
			if len(s.Members()) != 3 {
				return false
			}
		}
		c, ok := owners(shares)
		return ok && c[0] == 2 && c[1] == 2 && c[2] == 2
	})

	changed := shares[0].Changed()
	cancels[2]()
	eventuallyLen(t, st, 2)
	waitFor(t, "two participants with three partitions each", func() bool {
		c, ok := owners(shares[:2])
		return ok && c[0] == 3 && c[1] == 3
	})
	select {
	case <-changed:
	default:
		t.Fatal("the members changed, Changed's channel was not closed")
	}
}

// eventuallyLen waits until the group lists n presence leases.
func eventuallyLen(t *testing.T, st persistence.LeaseLister, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d presence leases", n), func() bool {
		got, err := st.ListLeases(context.Background(), "proj/v1/members/")
		return err == nil && len(got) == n
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMineBeforeTheFirstListingIsEverything(t *testing.T) {
	s := New(nil, nil, "g", "me", time.Second, zerolog.Nop())
	for p := range 4 {
		if !s.Mine(p) {
			t.Fatalf("partition %d is not mine before any listing", p)
		}
	}
	if !mine([]string{"a", "b"}, "c", 0) {
		t.Fatal("a participant missing from the listing gets nothing; it should try everything until it is listed")
	}
	if mine([]string{"a", "me"}, "me", 0) || !mine([]string{"a", "me"}, "me", 1) {
		t.Fatal("partitions are not dealt round-robin over the sorted members")
	}
}
