package tests

import (
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

// driverEnv, when set, makes the test binary the crash loop's append
// driver: a separate process, so that the test process itself runs no
// remote endpoint (protoactor's remote writes gRPC's global logger
// unsynchronised when endpoints start one after another, see client's
// main_test.go) and stays race-clean with its in-process subscriber.
const driverEnv = "ACTORSTORE_TESTS_DRIVER"

// driverConfig is what one round's driver does.
type driverConfig struct {
	Node string `json:"node"`
	Seed uint64 `json:"seed"`
	// Exact streams have one writer each, appending at exact expected
	// versions from the version given here.
	Exact map[string]uint64 `json:"exact"`
	// AnyStreams are shared by AnyWriters writers appending with Any.
	AnyStreams []string `json:"any_streams"`
	AnyWriters int      `json:"any_writers"`
	// MaxOps bounds each writer; it stops early at its first error.
	MaxOps int `json:"max_ops"`
	// Timeout of each append.
	Timeout time.Duration `json:"timeout"`
}

// runDriver dials the node, prints "ready", runs the writers and prints
// every outcome as a JSON line on stdout. It returns the exit status.
func runDriver(raw string) int {
	var cfg driverConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "driver config:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	c, err := client.Dial(ctx, client.Config{NodeAddress: cfg.Node})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "driver dial:", err)
		return 3
	}
	defer c.Close()
	var (
		mu  sync.Mutex
		enc = json.NewEncoder(os.Stdout)
	)
	emit := func(o outcome) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(o)
	}
	fmt.Println("ready")
	// appendOnce appends 1 to 3 events and reports the stream's version
	// after it, or false on an error (the writer then stops: after a kill
	// every call fails).
	appendOnce := func(rng *rand.Rand, stream string, exact int64) (uint64, bool) {
		evs, ids := events(1+rng.IntN(3), "Crash")
		expected := eventstore.Any()
		if exact >= 0 {
			expected = eventstore.Exact(uint64(exact))
		}
		ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
		res, err := c.Append(ctx, stream, expected, evs...)
		cancel()
		o := outcome{Stream: stream, IDs: ids, Exact: exact, OK: err == nil}
		if err == nil {
			o.FirstVer, o.LastVer, o.FirstPos, o.LastPos = res.FirstVersion, res.LastVersion, res.FirstPosition, res.LastPosition
		} else {
			var ce *eventstore.ConcurrencyError
			o.Err, o.Retryable = err.Error(), eventstore.IsRetryable(err) && !errors.As(err, &ce)
		}
		emit(o)
		return res.LastVersion, err == nil
	}
	var wg sync.WaitGroup
	w := uint64(0)
	for _, stream := range slices.Sorted(maps.Keys(cfg.Exact)) { // sorted: same seed, same schedule
		v := cfg.Exact[stream]
		rng := rand.New(rand.NewPCG(cfg.Seed, w))
		w++
		wg.Go(func() {
			version := v
			for range cfg.MaxOps {
				next, ok := appendOnce(rng, stream, int64(version))
				if !ok {
					return
				}
				version = next
			}
		})
	}
	for range cfg.AnyWriters {
		rng := rand.New(rand.NewPCG(cfg.Seed, w))
		w++
		wg.Go(func() {
			for range cfg.MaxOps {
				if _, ok := appendOnce(rng, cfg.AnyStreams[rng.IntN(len(cfg.AnyStreams))], -1); !ok {
					return
				}
			}
		})
	}
	wg.Wait()
	return 0
}
