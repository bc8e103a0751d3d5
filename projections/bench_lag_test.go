package projections

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/pgtest"
	"github.com/actorstore/actorstore/persistence/postgres"
)

// lagObserver keeps every partition's lag in seconds at each commit.
type lagObserver struct {
	nopObserver
	mu   sync.Mutex
	lags []float64
}

func (o *lagObserver) Lag(_ string, _, _ int, _ uint64, seconds float64) {
	o.mu.Lock()
	o.lags = append(o.lags, seconds)
	o.mu.Unlock()
}

// BenchmarkProjectionLagUnderWrites measures a 4-partition projection's lag
// (age of the newest event of each committed batch, at its commit) while 16
// writers append to PostgreSQL as fast as they can, batches of 10 events,
// for 5 s per iteration. Reported: writes events/s, lag p50 and p99 in ms.
func BenchmarkProjectionLagUnderWrites(b *testing.B) {
	ctx := context.Background()
	url := pgtest.Server(b).NewDatabase(b)
	db, err := postgres.Open(ctx, postgres.Config{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	exec(b, db, "CREATE TABLE lag_counts (k text PRIMARY KEY, n bigint NOT NULL)")
	for i := range b.N {
		obs := &lagObserver{}
		r, err := Run(ctx, db, Projection{Name: "lag", Version: i + 1, Partitions: 4, BatchSize: 500,
			ManualPromote: true, Observer: obs, Handle: pipelinedCounter("lag_counts")})
		if err != nil {
			b.Fatal(err)
		}
		var written atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(5 * time.Second)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; time.Now().Before(stop); j++ {
					evs := make([]eventstore.EventData, 10)
					for k := range evs {
						evs[k] = eventstore.EventData{ID: uuid.New(), Type: "inc", Data: []byte(`{}`)}
					}
					res, err := db.AppendBatch(ctx, []eventstore.AppendRequest{{Stream: fmt.Sprintf("w%d-%d", w, j%50),
						Expected: eventstore.Any(), Events: evs}})
					if err == nil && res[0].Err == nil {
						written.Add(10)
					}
				}
			}()
		}
		wg.Wait()
		_ = r.Close()
		obs.mu.Lock()
		lags := slices.Clone(obs.lags)
		obs.mu.Unlock()
		if len(lags) == 0 {
			b.Fatal("no batch committed")
		}
		slices.Sort(lags)
		b.ReportMetric(float64(written.Load())/5, "writes/s")
		b.ReportMetric(lags[len(lags)/2]*1000, "lag-p50-ms")
		b.ReportMetric(lags[len(lags)*99/100]*1000, "lag-p99-ms")
	}
}
