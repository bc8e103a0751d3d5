package projections

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/leasing"
	"github.com/actorstore/actorstore/persistence"
)

// Runner runs the partitions of one projection version in this process:
// each partition works only while this process holds its lease, so among
// all processes that run the same projection each partition runs in one.
// Its methods are safe for concurrent use.
type Runner struct {
	p      Projection
	b      *backend
	log    zerolog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}
	once   sync.Once
	parts  []*worker
	// share says which partitions this process should try to hold, so
	// they spread over the processes running the projection (the
	// partition leases still give each exactly one owner).
	share *leasing.Share
}

// Run registers p in the store db (its version, its partition count; the
// first version of a name becomes the live one) and starts its partitions.
// ctx bounds the start only; Close stops the runner. Errors: an
// *eventstore.InputError for a bad Projection, for a store that is not
// PostgreSQL or the embedded store, or for a partition count other than
// the one the version was first run with; database errors.
func Run(ctx context.Context, db persistence.Store, p Projection) (*Runner, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	b, err := backendOf(db)
	if err != nil {
		return nil, err
	}
	if err := register(ctx, b, p); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	r := &Runner{p: p, b: b, cancel: cancel, done: make(chan struct{}),
		log: p.Logger.With().Str("projection", p.Name).Int("version", p.Version).Logger()}
	var lister persistence.LeaseLister
	if p.Partitions > 1 {
		lister = b.lister
	}
	r.share = leasing.New(b.leaser, lister, fmt.Sprintf("$projection/%s/v%d", p.Name, p.Version), p.Owner, p.LeaseTTL, r.log)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.share.Run(rctx)
	}()
	for i := range p.Partitions {
		w := &worker{r: r, part: i, lease: leaseName(p.Name, p.Version, i)}
		r.parts = append(r.parts, w)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			w.run(rctx)
		}()
	}
	go func() {
		r.wg.Wait()
		close(r.done)
	}()
	return r, nil
}

// register records the projection version, checks its partition count,
// and makes it live when the name has no live version.
func register(ctx context.Context, b *backend, p Projection) error {
	return b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		var parts, live int
		if err := tx.query(ctx, b.sql.register, func(scan func(...any) error) error {
			return scan(&parts)
		}, p.Name, p.Version, p.Partitions); err != nil {
			return err
		}
		if parts != p.Partitions {
			return &eventstore.InputError{Field: "Partitions", Rule: "stored", Message: fmt.Sprintf(
				"projection %q v%d runs with %d partitions; change the count with a new version", p.Name, p.Version, parts)}
		}
		if err := tx.query(ctx, b.sql.liveCount, func(scan func(...any) error) error {
			return scan(&live)
		}, p.Name); err != nil {
			return err
		}
		if live == 0 {
			_, err := tx.Exec(ctx, b.sql.makeLive, p.Name, p.Version)
			return err
		}
		return nil
	})
}

// Done is closed when every partition has stopped (after Close).
func (r *Runner) Done() <-chan struct{} { return r.done }

// Close stops the partitions, waits for the batches in flight to commit or
// roll back, and releases the leases so another process can take over at
// once. Safe to call more than once.
func (r *Runner) Close() error {
	r.once.Do(r.cancel)
	<-r.done
	return nil
}

// Partition returns the partition of stream among n partitions: FNV-1a of
// the stream name, modulo n. Every event of a stream goes to one partition.
func Partition(stream string, n int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(stream))
	return int(h.Sum32() % uint32(n))
}

// Projection returns the name and version of the projection r runs.
func (r *Runner) Projection() (name string, version int) { return r.p.Name, r.p.Version }

// RetryParked hands the event parked at position to the handler again. A
// skipped ("parked") event is handled here, in one transaction with its
// removal from the parked list (with Handle); a stopped one is left to its
// partition (as the package's RetryParked). A retried skipped event lands
// after later events of its stream. Errors: *NotFoundError, the handler's.
func (r *Runner) RetryParked(ctx context.Context, position eventstore.Position) error {
	p := r.p
	evs, err := r.b.db.ReadAll(ctx, eventstore.AllRead{From: position, Limit: 1})
	if err != nil {
		return err
	}
	if len(evs) == 0 || evs[0].Position != position {
		return &NotFoundError{Name: p.Name, Version: p.Version}
	}
	w := &worker{r: r, lease: "-"}
	return r.b.inTx(ctx, func(ctx context.Context, tx Tx) error {
		var (
			part  int
			kind  string
			found bool
		)
		if err := tx.query(ctx, r.b.sql.deleteParked, func(scan func(...any) error) error {
			found = true
			return scan(&part, &kind)
		}, p.Name, p.Version, int64(position)); err != nil {
			return err
		}
		if !found {
			return &NotFoundError{Name: p.Name, Version: p.Version}
		}
		if kind == kindStopped {
			_, err := tx.Exec(ctx, r.b.sql.setState, p.Name, p.Version, "running", "")
			return err
		}
		if p.Handle != nil {
			return w.call(func() error { return p.Handle(ctx, tx, evs) }, evs)
		}
		return w.call(func() error { return p.HandleAtLeastOnce(ctx, evs) }, evs)
	})
}
