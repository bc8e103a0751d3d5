package actorstore

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// ScavengeConfig runs scavenges in the background (docs/lifecycle.md): a
// scavenge removes from disk the events that deletes and stream metadata
// hide, in short transactions of at most BatchEvents events that take no
// lock an append waits for, at most EventsPerSecond. A pass that is cut
// short (Close, an error) resumes where it stopped at the next pass.
type ScavengeConfig struct {
	// Every is the time between the end of one pass and the start of the
	// next; 0 runs none (the default of the Go API; `actorstore serve`
	// runs one every hour).
	Every time.Duration
	// EventsPerSecond bounds the removal rate. Default 5,000.
	EventsPerSecond int
	// BatchEvents bounds one transaction. Default 500.
	BatchEvents int
}

// ScavengeReport is what a scavenge removed: events, their data bytes,
// streams finished, steps (transactions), and how long it took.
type ScavengeReport struct {
	Events, Bytes int64
	Streams       int
	Steps         int
	Duration      time.Duration
}

func (c ScavengeConfig) validate() error {
	if c.Every < 0 || c.EventsPerSecond < 0 || c.BatchEvents < 0 {
		return &eventstore.InputError{Field: "Scavenge", Rule: "range", Message: "scavenge settings must not be negative"}
	}
	return nil
}

// Scavenge removes from disk, now, the events that deletes and stream
// metadata hide, within opts' batch and rate (zero fields: the defaults of
// Config.Scavenge), and returns what it removed. Readers see nothing
// change: those events were hidden already. It ends early, with ctx's
// error, when ctx ends; what it removed stays removed.
func (s *Store) Scavenge(ctx context.Context, opts ScavengeConfig) (ScavengeReport, error) {
	if err := opts.validate(); err != nil {
		return ScavengeReport{}, err
	}
	sc, ok := s.db.(persistence.Scavenger)
	if !ok {
		return ScavengeReport{}, nil
	}
	rep, err := persistence.Scavenge(ctx, sc, persistence.ScavengeOptions{BatchEvents: opts.BatchEvents,
		EventsPerSecond: opts.EventsPerSecond})
	s.scav.record(ctx, rep)
	return ScavengeReport{Events: rep.Events, Bytes: rep.Bytes, Streams: rep.Streams, Steps: rep.Steps,
		Duration: rep.Duration}, err
}

// scavenger is the background job of Config.Scavenge.
type scavenger struct {
	removed, bytes metric.Int64Counter
	stop           context.CancelFunc
	done           sync.WaitGroup
}

// record counts what a scavenge removed (actorstore.scavenge.events.removed,
// actorstore.scavenge.bytes.removed).
func (sv *scavenger) record(ctx context.Context, rep persistence.ScavengeReport) {
	if sv == nil || sv.removed == nil {
		return
	}
	sv.removed.Add(context.WithoutCancel(ctx), rep.Events)
	sv.bytes.Add(context.WithoutCancel(ctx), rep.Bytes)
}

// startScavenger makes the counters and, with Config.Scavenge.Every, starts
// the background passes; stopScavenger ends them.
func (s *Store) startScavenger(mp metric.MeterProvider) error {
	s.scav = &scavenger{}
	m := mp.Meter("github.com/actorstore/actorstore")
	var err error
	if s.scav.removed, err = m.Int64Counter("actorstore.scavenge.events.removed", metric.WithUnit("{event}"),
		metric.WithDescription("Events a scavenge removed from disk")); err != nil {
		return err
	}
	if s.scav.bytes, err = m.Int64Counter("actorstore.scavenge.bytes.removed", metric.WithUnit("By"),
		metric.WithDescription("Event data bytes a scavenge removed from disk")); err != nil {
		return err
	}
	cfg := s.cfg.Scavenge
	if cfg.Every <= 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.scav.stop = cancel
	s.scav.done.Add(1)
	go func() {
		defer s.scav.done.Done()
		s.scavengeLoop(ctx, cfg)
	}()
	return nil
}

func (s *Store) scavengeLoop(ctx context.Context, cfg ScavengeConfig) {
	sc, ok := s.db.(persistence.Scavenger)
	if !ok {
		return
	}
	log := s.cfg.Logger
	cursor := ""
	t := time.NewTimer(cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rep, err := persistence.Scavenge(ctx, sc, persistence.ScavengeOptions{BatchEvents: cfg.BatchEvents,
			EventsPerSecond: cfg.EventsPerSecond, Cursor: cursor})
		s.scav.record(ctx, rep)
		cursor = rep.Cursor // resume a pass cut short
		ev := log.Info()
		if err != nil && ctx.Err() == nil {
			ev = log.Warn().Err(err)
		}
		if rep.Events > 0 || err != nil {
			ev.Int64("events", rep.Events).Int64("bytes", rep.Bytes).Int("streams", rep.Streams).
				Dur("took", rep.Duration).Bool("complete", rep.Cursor == "").Msg("scavenge removed hidden events")
		}
		t.Reset(cfg.Every)
	}
}

func (s *Store) stopScavenger() {
	if s.scav != nil && s.scav.stop != nil {
		s.scav.stop()
		s.scav.done.Wait()
	}
}
