package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// testListStreams checks persistence.StreamLister: streams by prefix in
// byte order with their heads; paging forward and backward visits every
// stream once; prefixes next to each other, multi-byte and empty; a
// cursor outside the prefix; bad queries are *InputErrors.
func testListStreams(t *testing.T, f Factory) {
	st := open(t, f)
	sl, ok := st.(persistence.StreamLister)
	if !ok {
		t.Fatalf("%T does not implement persistence.StreamLister", st)
	}
	ctx := ctxFor(t)
	var all []string
	for i := 0; i < 23; i++ {
		all = append(all, fmt.Sprintf("ls-order-%02d", i))
	}
	all = append(all, "ls-order", "ls-orders-1", "ls-ordeq-1", "ls-é-1", "ls-é-2", "ls-z")
	heads := map[string]eventstore.StreamHead{}
	for i, s := range all {
		res := appendOK(t, st, req(s, eventstore.NoStream(), evs(1+i%3, "E")...))
		heads[s] = eventstore.StreamHead{Stream: s, Version: res.LastVersion, LastPosition: res.LastPosition}
	}
	list := func(q persistence.StreamList) []eventstore.StreamHead {
		t.Helper()
		got, err := sl.ListStreams(ctx, q)
		if err != nil {
			t.Fatalf("ListStreams(%+v): %v", q, err)
		}
		return got
	}
	want := func(prefix string) []string {
		var out []string
		for _, s := range all {
			if strings.HasPrefix(s, prefix) {
				out = append(out, s)
			}
		}
		slices.Sort(out)
		return out
	}
	t.Run("prefix with heads", func(t *testing.T) {
		for _, prefix := range []string{"ls-order-", "ls-order", "ls-é-", "ls-", "ls-none", "ls-z"} {
			got := list(persistence.StreamList{Prefix: prefix, Limit: 100})
			if ids := streamIDs(got); !slices.Equal(ids, want(prefix)) {
				t.Fatalf("prefix %q: %v, want %v", prefix, ids, want(prefix))
			}
			for _, h := range got {
				if h != heads[h.Stream] {
					t.Fatalf("head %+v, want %+v", h, heads[h.Stream])
				}
			}
		}
	})
	t.Run("paging forward and back", func(t *testing.T) {
		w := want("ls-order-")
		var fwd []string
		for after := ""; ; {
			page := streamIDs(list(persistence.StreamList{Prefix: "ls-order-", After: after, Limit: 5}))
			if len(page) == 0 {
				break
			}
			fwd, after = append(fwd, page...), page[len(page)-1]
		}
		if !slices.Equal(fwd, w) {
			t.Fatalf("forward pages: %v, want %v", fwd, w)
		}
		var back []string
		for before := "ls-order-99"; ; {
			page := streamIDs(list(persistence.StreamList{Prefix: "ls-order-", Before: before, Limit: 5}))
			if len(page) == 0 {
				break
			}
			back, before = append(page, back...), page[0]
		}
		if !slices.Equal(back, w) {
			t.Fatalf("backward pages: %v, want %v", back, w)
		}
		// A cursor outside the prefix's range.
		if got := streamIDs(list(persistence.StreamList{Prefix: "ls-order-", After: "ls-a", Limit: 2})); !slices.Equal(got, w[:2]) {
			t.Fatalf("after a cursor below the prefix: %v", got)
		}
		if got := streamIDs(list(persistence.StreamList{Prefix: "ls-order-", Before: "ls-zz", Limit: 2})); !slices.Equal(got, w[len(w)-2:]) {
			t.Fatalf("before a cursor above the prefix: %v", got)
		}
	})
	t.Run("all streams", func(t *testing.T) {
		got := streamIDs(list(persistence.StreamList{Limit: persistence.MaxStreamListLimit}))
		if !slices.Equal(got, want("")) {
			t.Fatalf("all: %v", got)
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []persistence.StreamList{{Limit: 0}, {Limit: persistence.MaxStreamListLimit + 1},
			{Limit: 1, After: "a", Before: "b"}, {Limit: 1, Prefix: "\xff"}} {
			_, err := sl.ListStreams(ctx, q)
			var ie *eventstore.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ListStreams(%+v) = %v, want an *InputError", q, err)
			}
		}
	})
}

func streamIDs(hs []eventstore.StreamHead) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Stream
	}
	return out
}
