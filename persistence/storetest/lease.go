package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testLease checks persistence.Leaser (stores that implement it): one
// holder at a time, takeover after expiry or release with a greater token,
// renew keeps the lease, and fenced checkpoint writes of a former owner are
// refused and write nothing.
func testLease(t *testing.T, f Factory) {
	leaser := func(t *testing.T) (persistence.Store, persistence.Leaser) {
		st := open(t, f)
		l, ok := st.(persistence.Leaser)
		if !ok {
			t.Skipf("%T does not implement persistence.Leaser", st)
		}
		return st, l
	}
	t.Run("one holder at a time", func(t *testing.T) {
		_, l := leaser(t)
		ctx := ctxFor(t)
		a := acquireOK(t, l, "c1", "owner-a", time.Hour)
		if a.Owner != "owner-a" || a.Token < 1 || a.Name != "c1" || !a.Expires.After(time.Now().Add(50*time.Minute)) {
			t.Fatalf("acquired %+v", a)
		}
		_, err := l.AcquireLease(ctx, "c1", "owner-b", time.Hour)
		var held *persistence.LeaseHeldError
		if !errors.As(err, &held) || !errors.Is(err, persistence.ErrLeaseHeld) || held.Owner != "owner-a" || held.Name != "c1" {
			t.Fatalf("second owner acquired a running lease: %v, want *LeaseHeldError naming owner-a", err)
		}
		again := acquireOK(t, l, "c1", "owner-a", time.Hour)
		if again.Token != a.Token {
			t.Fatalf("the holder acquiring again changed the token %d -> %d", a.Token, again.Token)
		}
		other := acquireOK(t, l, "c2", "owner-b", time.Hour) // leases are independent
		if other.Owner != "owner-b" {
			t.Fatalf("acquired %+v", other)
		}
	})
	t.Run("list the running leases under a prefix", func(t *testing.T) {
		st, l := leaser(t)
		ll, ok := st.(persistence.LeaseLister)
		if !ok {
			t.Skipf("%T does not implement persistence.LeaseLister", st)
		}
		ctx := ctxFor(t)
		acquireOK(t, l, "g/members/b", "owner-b", time.Hour)
		a := acquireOK(t, l, "g/members/a", "owner-a", time.Hour)
		acquireOK(t, l, "g/membersX", "owner-x", time.Hour) // the prefix is a prefix of the name, nothing more
		acquireOK(t, l, "h/members/c", "owner-c", time.Hour)
		acquireOK(t, l, "g%/members/d", "owner-d", time.Hour) // % and _ are not wildcards
		gone := acquireOK(t, l, "g/members/released", "owner-r", time.Hour)
		if err := l.ReleaseLease(ctx, gone.Name, gone.Token); err != nil {
			t.Fatal(err)
		}
		acquireOK(t, l, "g/members/expired", "owner-e", time.Millisecond)
		var got []persistence.Lease
		for deadline := time.Now().Add(10 * time.Second); ; { // until the 1 ms lease has expired by the database's clock
			var err error
			if got, err = ll.ListLeases(ctx, "g/members/"); err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		var names []string
		for _, x := range got {
			names = append(names, x.Name+"="+x.Owner)
		}
		if want := []string{"g/members/a=owner-a", "g/members/b=owner-b"}; !slices.Equal(names, want) {
			t.Fatalf("ListLeases(g/members/) = %v, want %v (running leases under the prefix, by name)", names, want)
		}
		if got[0].Token != a.Token || !got[0].Expires.Equal(a.Expires) && got[0].Expires.Sub(a.Expires).Abs() > time.Millisecond {
			t.Fatalf("listed %+v, acquired %+v", got[0], a)
		}
		if got, err := ll.ListLeases(ctx, "g%/"); err != nil || len(got) != 1 || got[0].Name != "g%/members/d" {
			t.Fatalf("ListLeases(g%%/) = %v, %v; want only g%%/members/d", got, err)
		}
		if got, err := ll.ListLeases(ctx, "nothing/"); err != nil || len(got) != 0 {
			t.Fatalf("ListLeases of a prefix with no leases = %v, %v", got, err)
		}
	})
	t.Run("takeover after expiry fences the former owner", func(t *testing.T) {
		st, l := leaser(t)
		ctx := ctxFor(t)
		a := acquireOK(t, l, "c1", "owner-a", time.Millisecond)
		if err := l.SetCheckpointFenced(ctx, "cp", 10, "c1", a.Token); err != nil {
			t.Fatalf("fenced write of the holder: %v", err)
		}
		b := acquireEventually(t, l, "c1", "owner-b", time.Hour)
		if b.Token <= a.Token {
			t.Fatalf("takeover token %d not greater than %d", b.Token, a.Token)
		}
		if err := l.SetCheckpointFenced(ctx, "cp", 20, "c1", b.Token); err != nil {
			t.Fatalf("fenced write of the new holder: %v", err)
		}
		// The former owner wakes up: it can neither write nor renew.
		err := l.SetCheckpointFenced(ctx, "cp", 99, "c1", a.Token)
		var lost *persistence.LeaseLostError
		if !errors.As(err, &lost) || !errors.Is(err, persistence.ErrLeaseLost) || lost.Token != a.Token {
			t.Fatalf("stale token's checkpoint write: %v, want *LeaseLostError", err)
		}
		if _, err := l.RenewLease(ctx, "c1", a.Token, time.Hour); !errors.Is(err, persistence.ErrLeaseLost) {
			t.Fatalf("stale token's renew: %v, want ErrLeaseLost", err)
		}
		if pos, _, err := st.Checkpoint(ctx, "cp"); err != nil || pos != 20 {
			t.Fatalf("checkpoint %d (%v), want the new owner's 20", pos, err)
		}
		// A fenced write to a lease that does not exist is refused too.
		if err := l.SetCheckpointFenced(ctx, "cp", 1, "no-such-lease", 1); !errors.Is(err, persistence.ErrLeaseLost) {
			t.Fatalf("write fenced by a missing lease: %v", err)
		}
	})
	t.Run("renew keeps the lease past its first expiry", func(t *testing.T) {
		_, l := leaser(t)
		ctx := ctxFor(t)
		a := acquireOK(t, l, "c1", "owner-a", 200*time.Millisecond)
		r, err := l.RenewLease(ctx, "c1", a.Token, time.Hour)
		if err != nil || r.Token != a.Token || !r.Expires.After(a.Expires.Add(50*time.Minute)) {
			t.Fatalf("renew: %+v %v (acquired %+v)", r, err, a)
		}
		for time.Now().Before(a.Expires.Add(100 * time.Millisecond)) { // past the first expiry
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := l.AcquireLease(ctx, "c1", "owner-b", time.Hour); !errors.Is(err, persistence.ErrLeaseHeld) {
			t.Fatalf("acquire of a renewed lease: %v, want ErrLeaseHeld", err)
		}
		// Expired but not taken: the holder may still renew (nobody else
		// can have written with another token).
		short := acquireOK(t, l, "c2", "owner-a", time.Millisecond)
		for time.Now().Before(short.Expires.Add(20 * time.Millisecond)) {
			time.Sleep(5 * time.Millisecond)
		}
		if r, err := l.RenewLease(ctx, "c2", short.Token, time.Hour); err != nil || r.Token != short.Token {
			t.Fatalf("renew of an expired lease nobody took: %+v %v", r, err)
		}
	})
	t.Run("release hands over at once", func(t *testing.T) {
		_, l := leaser(t)
		ctx := ctxFor(t)
		a := acquireOK(t, l, "c1", "owner-a", time.Hour)
		if err := l.ReleaseLease(ctx, "c1", a.Token); err != nil {
			t.Fatal(err)
		}
		b := acquireOK(t, l, "c1", "owner-b", time.Hour)
		if b.Token <= a.Token {
			t.Fatalf("token after release %d, before %d", b.Token, a.Token)
		}
		if err := l.ReleaseLease(ctx, "c1", a.Token); err != nil { // lost already: no error, no effect
			t.Fatalf("release of a lost lease: %v", err)
		}
		if _, err := l.AcquireLease(ctx, "c1", "owner-c", time.Hour); !errors.Is(err, persistence.ErrLeaseHeld) {
			t.Fatalf("a stale release freed the new holder's lease: %v", err)
		}
	})
	t.Run("racing takeovers have one winner", func(t *testing.T) {
		_, l := leaser(t)
		ctx := ctxFor(t)
		a := acquireOK(t, l, "c1", "owner-a", time.Hour)
		if err := l.ReleaseLease(ctx, "c1", a.Token); err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []persistence.Lease
		)
		for i := range 16 {
			wg.Go(func() {
				got, err := l.AcquireLease(ctx, "c1", fmt.Sprintf("racer-%d", i), time.Hour)
				switch {
				case err == nil:
					mu.Lock()
					wins = append(wins, got)
					mu.Unlock()
				case !errors.Is(err, persistence.ErrLeaseHeld):
					t.Errorf("racer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if len(wins) != 1 || wins[0].Token != a.Token+1 {
			t.Fatalf("%d winners %+v, want one with token %d", len(wins), wins, a.Token+1)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		_, l := leaser(t)
		ctx := ctxFor(t)
		for _, c := range []struct {
			name, owner string
			ttl         time.Duration
		}{{"", "o", time.Second}, {"c", "", time.Second}, {"c", "o", 0}, {"c\x00", "o", time.Second}} {
			if _, err := l.AcquireLease(ctx, c.name, c.owner, c.ttl); !errors.Is(err, eventstore.ErrInvalidInput) {
				t.Errorf("AcquireLease(%q, %q, %v): %v, want ErrInvalidInput", c.name, c.owner, c.ttl, err)
			}
		}
	})
}

func acquireOK(t *testing.T, l persistence.Leaser, name, owner string, ttl time.Duration) persistence.Lease {
	t.Helper()
	got, err := l.AcquireLease(ctxFor(t), name, owner, ttl)
	if err != nil {
		t.Fatalf("AcquireLease(%q, %q): %v", name, owner, err)
	}
	return got
}

// acquireEventually retries AcquireLease while the lease is held (until the
// suite's timeout).
func acquireEventually(t *testing.T, l persistence.Leaser, name, owner string, ttl time.Duration) persistence.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		got, err := l.AcquireLease(ctx, name, owner, ttl)
		if err == nil {
			return got
		}
		if !errors.Is(err, persistence.ErrLeaseHeld) {
			t.Fatalf("AcquireLease(%q, %q): %v", name, owner, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("lease %q not free within %v: %v", name, testTimeout, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
