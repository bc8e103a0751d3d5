package actorstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/internal/instruments"
	"github.com/actorstore/actorstore/persistence"
	"github.com/actorstore/actorstore/persistence/postgres"
	"github.com/actorstore/actorstore/persistence/sqlite"
	"github.com/actorstore/actorstore/projections"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/subscriptions"
)

// Store is an open actorstore: the database, the actor system with the
// stream actors, the group-commit writer and the subscription hub. All
// methods are safe for concurrent use.
type Store struct {
	cfg   Config
	db    persistence.Store
	sys   *actors.System
	hub   *subscriptions.Hub
	rt    *streams.Runtime
	close sync.Once
	err   error

	tel      *instruments.Set
	reader   *sdkmetric.ManualReader  // nil with Config.MeterProvider
	mp       *sdkmetric.MeterProvider // the private provider, or nil
	checksMu sync.RWMutex
	checks   []namedCheck // readiness checks, see Health

	projMu      sync.Mutex
	projRunners []*projections.Runner // see projections.go
	scav        *scavenger            // scavenge.go
}

// Open opens the store that cfg selects (PostgreSQL with cfg.PostgresURL,
// else the embedded file in cfg.DataDir), applies its migrations, and
// starts the stream actors and the writer. Close it when done.
//
// Errors: *InputError for a bad Config (nothing opened),
// *ConnectionError when the database cannot be reached.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, _, err := OpenEngine(ctx, cfg)
	return s, err
}

// OpenEngine is Open for the programs of this module that serve the store
// to others (package node, package telemetry, cmd/actorstore): it also
// returns the store's engine (actor system, stream actors, subscription
// hub, database, metric producer), whose package is internal to this
// module. The Store owns the engine: Close stops it. Embedding services
// call Open.
func OpenEngine(ctx context.Context, cfg Config) (*Store, *engine.Engine, error) {
	s, err := open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	e := &engine.Engine{System: s.sys, Hub: s.hub, Streams: s.rt, DB: s.db, Traced: s.tel.Tracing}
	if s.reader != nil {
		e.Metrics = producer{s.reader}
	}
	return s, e, nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	edb, err := encrypting(ctx, cfg.Encryption, db)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	db = edb
	s := &Store{cfg: cfg, db: db}
	if s.tel, s.reader, s.mp, err = cfg.telemetry(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("actorstore: telemetry: %w", err)
	}
	s.checks = s.defaultChecks()
	if err := s.start(ctx); err != nil {
		s.shutdown(context.Background())
		return nil, err
	}
	mp := cfg.MeterProvider
	if mp == nil {
		mp = s.mp
	}
	if err := s.startScavenger(mp); err != nil {
		s.shutdown(context.Background())
		return nil, fmt.Errorf("actorstore: scavenge metrics: %w", err)
	}
	cfg.Logger.Info().Bool("embedded", cfg.Embedded()).Msg("actorstore open")
	return s, nil
}

// start runs the actor system, the subscription hub and the stream actors;
// the writer hands every commit to the hub.
func (s *Store) start(ctx context.Context) error {
	log := s.cfg.Logger
	sys, err := actors.NewSystem(actors.Config{Logger: &log})
	if err != nil {
		return fmt.Errorf("actorstore: start actor system: %w", err)
	}
	s.sys = sys
	hcfg := s.cfg.Subscriptions.hub()
	hcfg.Logger, hcfg.Instruments = log, s.tel
	if s.hub, err = subscriptions.NewHub(ctx, sys, s.db, hcfg); err != nil {
		return fmt.Errorf("actorstore: start subscription hub: %w", err)
	}
	scfg := s.cfg.streamsConfig(s.db)
	scfg.System, scfg.OnCommit, scfg.Instruments = sys, s.hub.Publish, s.tel
	scfg.OnRetention = s.hub.Retained
	if s.rt, err = streams.New(ctx, scfg); err != nil {
		return fmt.Errorf("actorstore: start stream actors: %w", err)
	}
	return nil
}

// shutdown stops what start started, in reverse order, and closes the database.
func (s *Store) shutdown(ctx context.Context) error {
	var errs []error
	s.closeProjections()
	s.stopScavenger()
	if s.rt != nil {
		errs = append(errs, s.rt.Close(ctx))
	}
	if s.hub != nil {
		errs = append(errs, s.hub.Close())
	}
	if s.sys != nil {
		s.sys.Shutdown()
	}
	errs = append(errs, s.db.Close())
	if s.mp != nil {
		errs = append(errs, s.mp.Shutdown(context.Background()))
	}
	return errors.Join(errs...)
}

func openDB(ctx context.Context, cfg Config) (persistence.Store, error) {
	if !cfg.Embedded() {
		return postgres.Open(ctx, cfg.postgresConfig())
	}
	if err := os.MkdirAll(cfg.dataDir(), 0o750); err != nil {
		return nil, &eventstore.InputError{Field: "DataDir", Rule: "writable",
			Message: "cannot create data directory: " + err.Error()}
	}
	return sqlite.Open(ctx, cfg.sqliteConfig())
}

// Append appends events to stream if expected holds, and returns the
// versions and positions they got. It is all or nothing.
//
// Retrying with the same event IDs is safe: an append that committed
// returns its original result with Idempotent set. Errors carry the trace
// ID of ctx (eventstore.WithTraceID) or a new one (TraceIDOf): *ConcurrencyError (Stream,
// Expected, Actual; nothing written), *InputError, *DuplicateEventError,
// *ConnectionError (retryable), a timeout (retryable: the outcome is
// unknown), ErrClosed.
func (s *Store) Append(ctx context.Context, stream string, expected ExpectedVersion,
	events ...EventData) (AppendResult, error) {
	ctx, _, op := s.tel.Start(ctx, instruments.OpAppend)
	res, err := s.append(ctx, stream, expected, events)
	return res, op.End(ctx, err)
}

func (s *Store) append(ctx context.Context, stream string, expected ExpectedVersion,
	events []EventData) (AppendResult, error) {
	if s.cfg.Schemas != nil {
		reqs, err := s.validate(ctx, []AppendRequest{{Stream: stream, Events: events}})
		if err != nil {
			return AppendResult{}, err
		}
		events = reqs[0].Events
	}
	return s.rt.Append(ctx, stream, expected, events)
}

// Transact appends to several streams atomically, each with its own
// expected version: every request commits or none does. It is bounded by
// Config.TxTimeout; when that passes the transaction is aborted and its
// streams are free again. Two transactions over the same streams in any
// order cannot deadlock. On failure nothing was written and the error is
// that of the request that failed (for example a *ConcurrencyError naming
// its stream).
func (s *Store) Transact(ctx context.Context, reqs ...AppendRequest) ([]AppendResult, error) {
	ctx, _, op := s.tel.Start(ctx, instruments.OpTransact)
	res, err := s.transact(ctx, reqs)
	return res, op.End(ctx, err)
}

func (s *Store) transact(ctx context.Context, reqs []AppendRequest) ([]AppendResult, error) {
	if s.cfg.Schemas != nil {
		var err error
		if reqs, err = s.validate(ctx, reqs); err != nil {
			return nil, err
		}
	}
	return s.rt.Transact(ctx, reqs)
}

// ReadStream returns up to r.Limit events of r.Stream from version r.From in
// r.Direction, upcast to the latest schema version of their type when
// Config.Schemas is set. Reads see every append acknowledged before they were called,
// and are served from the stream actor's cache of recent events when it
// holds them. A stream with no events gives *StreamNotFoundError.
func (s *Store) ReadStream(ctx context.Context, r StreamRead) ([]RecordedEvent, error) {
	ctx, _, op := s.tel.Start(ctx, instruments.OpReadStream)
	evs, err := s.upcast(s.rt.ReadStream(ctx, r))
	return evs, op.End(ctx, err)
}

// ReadAll returns up to r.Limit events of all streams in global order from
// position r.From in r.Direction that pass r.Filter (evaluated by the
// database). A forward reader that has seen position P never later finds a
// new event below P.
func (s *Store) ReadAll(ctx context.Context, r AllRead) ([]RecordedEvent, error) {
	ctx, _, op := s.tel.Start(ctx, instruments.OpReadAll)
	evs, err := s.readAll(ctx, r)
	return evs, op.End(ctx, err)
}

func (s *Store) readAll(ctx context.Context, r AllRead) ([]RecordedEvent, error) {
	if err := eventstore.ValidateLimit(r.Limit); err != nil {
		return nil, err
	}
	return s.upcast(s.db.ReadAll(ctx, r))
}

// Head returns the newest version and position of a stream (version 0 when
// it has no events). It is linearizable with ReadStream and Append of the
// stream: it asks the stream's actor like ReadStream (streams.Runtime.Head).
// With SharedWriters it reads the database, as ReadStream then does.
func (s *Store) Head(ctx context.Context, stream string) (eventstore.StreamHead, error) {
	ctx, trace := eventstore.EnsureTraceID(ctx)
	var h eventstore.StreamHead
	var err error
	if s.cfg.SharedWriters {
		h, err = s.db.Head(ctx, stream)
	} else {
		h, err = s.rt.Head(ctx, stream)
	}
	return h, eventstore.AttachTraceID(err, trace)
}

// Stats reports the stream actors' counters: live and passivated actors,
// read-cache hits and misses, group-commit batches.
func (s *Store) Stats() Stats { return Stats(s.rt.Stats()) }

// producer collects a manual reader for another exporter.
type producer struct{ r *sdkmetric.ManualReader }

func (p producer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	var rm metricdata.ResourceMetrics
	if err := p.r.Collect(ctx, &rm); err != nil {
		return nil, err
	}
	return rm.ScopeMetrics, nil
}

// Close stops accepting calls, lets what was accepted be committed or
// answered, ends the subscriptions, stops the actors and closes the
// database. ctx bounds the wait. It is safe to call more than once; later
// calls return the first result.
func (s *Store) Close(ctx context.Context) error {
	s.close.Do(func() { s.err = s.shutdown(ctx) })
	return s.err
}
