package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/actorstore/actorstore/client"
	"github.com/actorstore/actorstore/eventstore"
)

// clusterDriverEnv, when set, makes the test binary a cluster test's peer
// of one node: one client (one remote endpoint per process), writers and a
// tail subscriber. It reads commands from stdin: "stop" ends the writers,
// end of input ends the tail.
const clusterDriverEnv = "ACTORSTORE_TESTS_CLUSTER_DRIVER"

// clusterDriverConfig is what one cluster driver does.
type clusterDriverConfig struct {
	Node string `json:"node"`
	Seed uint64 `json:"seed"`
	// Exact streams are written by one writer each at exact expected
	// versions, from the version given.
	Exact map[string]uint64 `json:"exact"`
	// AnyStreams are written with Any by AnyWriters writers (other drivers
	// write them too).
	AnyStreams []string `json:"any_streams"`
	AnyWriters int      `json:"any_writers"`
	// Ops, when set, ends each writer after that many appends, and the
	// driver once all writers are done (then it runs no tail).
	Ops int `json:"ops"`
	// Prefix of the streams the tail follows (from the beginning).
	Prefix string `json:"prefix"`
	// Timeout bounds one attempt of an append; a retryable failure is
	// retried with the same event IDs for up to RetryFor.
	Timeout  time.Duration `json:"timeout"`
	RetryFor time.Duration `json:"retry_for"`
}

// driverLine is one line the cluster driver prints: an append's final
// outcome (with its attempts and when it started and ended), or an event
// its tail delivered.
type driverLine struct {
	Append   *outcome   `json:"append,omitempty"`
	Attempts int        `json:"attempts,omitempty"`
	Start    int64      `json:"start,omitempty"` // unix ns of the first attempt
	Done     int64      `json:"done,omitempty"`  // unix ns of the final answer
	Event    *seenEvent `json:"event,omitempty"`
	TailErr  string     `json:"tail_err,omitempty"`
}

type seenEvent struct {
	Stream   string `json:"stream"`
	Version  uint64 `json:"version"`
	Position uint64 `json:"position"`
}

func runClusterDriver(raw string) int {
	var cfg clusterDriverConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "cluster driver config:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	c, err := client.Dial(ctx, client.Config{NodeAddress: cfg.Node})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster driver dial:", err)
		return 3
	}
	defer c.Close()
	var mu sync.Mutex
	enc := json.NewEncoder(os.Stdout)
	emit := func(l driverLine) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(l)
	}
	tailCtx, stopTail := context.WithCancel(context.Background())
	tailDone := make(chan struct{})
	if cfg.Ops > 0 {
		close(tailDone)
	} else {
		go tailAll(tailCtx, c, cfg.Prefix, emit, tailDone)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	w := &clusterWriter{c: c, cfg: cfg, emit: emit, stop: stop}
	for i, s := range slices.Sorted(maps.Keys(cfg.Exact)) { // sorted: same seed, same schedule
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		from := cfg.Exact[s]
		wg.Go(func() { w.exact(rng, s, from) })
	}
	for i := range cfg.AnyWriters {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(1000+i)))
		wg.Go(func() { w.any(rng) })
	}
	mu.Lock()
	fmt.Println("ready")
	mu.Unlock()
	if cfg.Ops > 0 {
		wg.Wait()
		stopTail()
		return 0
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "stop" {
			close(stop)
			wg.Wait()
			mu.Lock()
			fmt.Println("writers done")
			mu.Unlock()
		}
	}
	stopTail()
	<-tailDone
	return 0
}

// tailAll prints every event of prefix, from the beginning, until ctx ends.
func tailAll(ctx context.Context, c *client.Client, prefix string, emit func(driverLine), done chan struct{}) {
	defer close(done)
	err := c.Tail(ctx, client.TailOptions{Filter: eventstore.Filter{StreamPrefix: prefix}},
		func(e eventstore.RecordedEvent) error {
			emit(driverLine{Event: &seenEvent{Stream: e.Stream, Version: e.Version, Position: e.Position}})
			return nil
		})
	if ctx.Err() == nil {
		emit(driverLine{TailErr: fmt.Sprint(err)})
	}
}

type clusterWriter struct {
	c    *client.Client
	cfg  clusterDriverConfig
	emit func(driverLine)
	stop chan struct{}
}

func (w *clusterWriter) stopped() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

func (w *clusterWriter) exact(rng *rand.Rand, stream string, version uint64) {
	for n := 0; !w.stopped() && (w.cfg.Ops == 0 || n < w.cfg.Ops); n++ {
		res, ok := w.append(rng, stream, int64(version))
		if !ok {
			return
		}
		version = res.LastVersion
	}
}

func (w *clusterWriter) any(rng *rand.Rand) {
	for !w.stopped() {
		if _, ok := w.append(rng, w.cfg.AnyStreams[rng.IntN(len(w.cfg.AnyStreams))], -1); !ok {
			return
		}
	}
}

// append appends 1 to 3 events, retrying a retryable failure with the same
// event IDs for up to RetryFor, and prints the final outcome. It reports
// false when the append finally failed (the writer then stops).
func (w *clusterWriter) append(rng *rand.Rand, stream string, exact int64) (eventstore.AppendResult, bool) {
	evs, ids := events(1+rng.IntN(3), "Cluster")
	expected := eventstore.Any()
	if exact >= 0 {
		expected = eventstore.Exact(uint64(exact))
	}
	start := time.Now()
	var (
		res      eventstore.AppendResult
		err      error
		attempts int
	)
	for {
		attempts++
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
		res, err = w.c.Append(ctx, stream, expected, evs...)
		cancel()
		var ce *eventstore.ConcurrencyError
		if err == nil || errors.As(err, &ce) || !eventstore.IsRetryable(err) || time.Since(start) > w.cfg.RetryFor {
			break
		}
		time.Sleep(20 * time.Millisecond) // pacing of retries, not synchronization
	}
	o := outcome{Stream: stream, IDs: ids, Exact: exact, OK: err == nil}
	if err == nil {
		o.FirstVer, o.LastVer, o.FirstPos, o.LastPos = res.FirstVersion, res.LastVersion, res.FirstPosition, res.LastPosition
	} else {
		var ce *eventstore.ConcurrencyError
		o.Err, o.Retryable = err.Error(), eventstore.IsRetryable(err) && !errors.As(err, &ce)
	}
	w.emit(driverLine{Append: &o, Attempts: attempts, Start: start.UnixNano(), Done: time.Now().UnixNano()})
	return res, err == nil
}
