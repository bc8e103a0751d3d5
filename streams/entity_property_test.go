package streams

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"pgregory.net/rapid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/supervisor"
)

// pstate is the state of the property test's entity: an order-sensitive
// fold, so a lost, duplicated or reordered event changes it.
type pstate struct {
	Sum  int    `json:"sum"`
	N    int    `json:"n"`
	Hash uint64 `json:"hash"`
}

type (
	padd   struct{ ns []int } // appends one event per n; rejected when the sum would pass plimit
	ppanic struct{}           // the handler panics
	pnoop  struct{}           // appends nothing
)

const plimit = 150

func pfold(state any, e eventstore.RecordedEvent) any {
	s := state.(pstate)
	var p struct{ N int }
	if err := json.Unmarshal(e.Data, &p); err != nil {
		panic(err)
	}
	s.Sum += p.N
	s.N++
	s.Hash = s.Hash*1_000_003 + uint64(p.N) + uint64(e.Version)<<32
	return s
}

func pevent(n int) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: "added", Data: fmt.Appendf(nil, `{"N":%d}`, n)}
}

// phandle replies with the state the command was decided on.
func phandle(state any, cmd any) ([]eventstore.EventData, any, error) {
	s := state.(pstate)
	switch c := cmd.(type) {
	case padd:
		var evs []eventstore.EventData
		sum := s.Sum
		for _, n := range c.ns {
			sum += n
			evs = append(evs, pevent(n))
		}
		if sum > plimit {
			return nil, s, errors.New("over the limit")
		}
		return evs, s, nil
	case ppanic:
		panic(errors.New("entity bug"))
	case pnoop:
		return nil, s, nil
	}
	return nil, nil, fmt.Errorf("unknown %T", cmd)
}

func pkind(name string, policy SnapshotPolicy) *EntityKind {
	return &EntityKind{Name: name, Init: func() any { return pstate{} }, Fold: pfold, Handle: phandle,
		Snapshots: policy, Codec: &StateCodec{SchemaVersion: 7,
			Encode: func(s any) ([]byte, error) { return json.Marshal(s) },
			Decode: func(b []byte) (any, error) {
				var s pstate
				err := json.Unmarshal(b, &s)
				return s, err
			}}}
}

// foldStream folds the first upTo events of stream as stored.
func foldStream(t testing.TB, store persistence.Store, stream string, upTo eventstore.Version) pstate {
	var s any = pstate{}
	for _, e := range readAll(t, store, stream) {
		if e.Version > upTo {
			break
		}
		s = pfold(s, e)
	}
	return s.(pstate)
}

// TestEntityProperty drives random command sequences at entities with
// random snapshot policies, interleaved with passivations, restarts of
// the stream actor (a panic with a retryable error), panics of the
// handler, rejected commands, plain appends through the same node, appends
// by a second node over the same store (another writer: the entity's
// actor does not see them), and snapshots of another schema version.
// After each step the entity's state is the fold of its stream's
// committed events from the start; every command that appended was
// decided on the fold of every event before its own (never on a stale
// state). It runs on SQLite here and on PostgreSQL under
// TestEntitiesOnPostgres. It runs 25 cases unless -rapid.checks is given
// (the long mode: -rapid.checks=5000, see docs/entities.md).
func TestEntityProperty(t *testing.T) {
	limitChecks(t)
	store := newStore(t)
	var armed atomic.Pointer[string]
	n := newNode(t, store, func(c *Config) {
		c.IdleTimeout = time.Hour
		c.Supervision = supervisor.Policy{Backoff: persistence.RetryPolicy{Base: time.Millisecond, Cap: 5 * time.Millisecond}}
		c.hooks.beforeMessage = func(stream string, msg any, _ bool) {
			if p := armed.Load(); p != nil && *p == stream {
				if _, ok := msg.(*executeCmd); ok && armed.CompareAndSwap(p, nil) {
					panic(&eventstore.ConnectionError{Host: "test", Op: "injected", Err: errors.New("actor crash")})
				}
			}
		}
	})
	other := newNode(t, store, nil) // a second writer the entity's actor knows nothing of
	var seq atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		i := seq.Add(1)
		policy := SnapshotPolicy{Every: rapid.SampledFrom([]int{0, 1, 3, 10}).Draw(rt, "every"),
			OnPassivation: rapid.Bool().Draw(rt, "onPassivation")}
		name := fmt.Sprintf("prop%d", i)
		if err := n.RegisterKind(pkind(name, policy)); err != nil {
			rt.Fatal(err)
		}
		stream := name + "-1"
		check := func(what string) {
			st, v, err := n.EntityState(ctxT(t), stream)
			if err != nil {
				rt.Fatalf("%s: state: %v", what, err)
			}
			stored := eventstore.Version(len(readAll(t, store, stream)))
			if want := foldStream(t, store, stream, v); st.(pstate) != want || v > stored {
				rt.Fatalf("%s: state %+v at version %d; the fold of the stream is %+v (stream at %d)",
					what, st, v, want, stored)
			}
		}
		execute := func(cmd any) (ExecuteResult, error) {
			res, err := n.Execute(ctxT(t), stream, cmd)
			if err == nil && res.Append.FirstVersion > 0 {
				decided := res.Reply.(pstate)
				if want := foldStream(t, store, stream, res.Append.FirstVersion-1); decided != want {
					rt.Fatalf("%T appended at %d was decided on %+v, not on the fold %+v of the events before it",
						cmd, res.Append.FirstVersion, decided, want)
				}
			}
			return res, err
		}
		rt.Repeat(map[string]func(*rapid.T){
			"add": func(rt *rapid.T) {
				ns := rapid.SliceOfN(rapid.IntRange(1, 30), 0, 4).Draw(rt, "ns")
				_, err := execute(padd{ns})
				var re *eventstore.RejectedError
				if err != nil && !errors.As(err, &re) {
					rt.Fatalf("add: %v", err)
				}
			},
			"noop": func(rt *rapid.T) {
				if _, err := execute(pnoop{}); err != nil {
					rt.Fatalf("noop: %v", err)
				}
			},
			"handler panic": func(rt *rapid.T) {
				var ee *eventstore.EntityError
				if _, err := execute(ppanic{}); !errors.As(err, &ee) || ee.Stream != stream {
					rt.Fatalf("panic: %v", err)
				}
			},
			"actor restart": func(rt *rapid.T) {
				armed.Store(&stream)
				if _, err := execute(pnoop{}); !errors.Is(err, ErrNotWritten) {
					rt.Fatalf("a command during an actor crash: %v, want ErrNotWritten", err)
				}
			},
			"plain append": func(rt *rapid.T) {
				k := rapid.IntRange(1, 3).Draw(rt, "k")
				evs := make([]eventstore.EventData, k)
				for j := range evs {
					evs[j] = pevent(1)
				}
				mustAppend(t, n, stream, eventstore.Any(), evs)
			},
			"other writer": func(rt *rapid.T) {
				mustAppend(t, other, stream, eventstore.Any(), []eventstore.EventData{pevent(2)})
				// The next command must see this event.
				if _, err := execute(padd{[]int{1}}); err != nil && !errors.Is(err, eventstore.ErrRejected) {
					rt.Fatalf("add after another writer: %v", err)
				}
				other.PassivateIdle(stream)
			},
			"passivate": func(rt *rapid.T) {
				if _, err := execute(pnoop{}); err != nil { // the actor is live
					rt.Fatalf("noop: %v", err)
				}
				before := n.Stats().Passivations
				eventually(t, 5*time.Second, "passivation", func() bool {
					n.PassivateIdle(stream)
					return n.Stats().Passivations > before
				})
			},
			"foreign snapshot": func(rt *rapid.T) {
				v := eventstore.Version(len(readAll(t, store, stream)))
				if v == 0 {
					return
				}
				err := store.(persistence.SnapshotStore).SaveSnapshot(ctxT(t),
					eventstore.Snapshot{Stream: stream, Version: v, SchemaVersion: 99, State: []byte("not json")})
				if err != nil {
					rt.Fatal(err)
				}
			},
			"": func(rt *rapid.T) { check("after the step") },
		})
	})
	t.Logf("entity stats: %+v", n.EntityStats())
}

// limitChecks runs 25 rapid cases per property in the ordinary run (CI),
// unless -rapid.checks was given on the command line.
func limitChecks(t *testing.T) {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
	if !given {
		if err := flag.Set("rapid.checks", "25"); err != nil {
			t.Fatal(err)
		}
	}
}
