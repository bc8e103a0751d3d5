package actorstore

import (
	"context"
	"errors"

	"github.com/actorstore/actorstore/schemas"
)

// ValidationError: events of an append or transaction failed their schema;
// it lists every field-level problem (event index, field path, rule).
// Nothing was written.
type ValidationError = schemas.ValidationError

// ErrValidation matches a *ValidationError with errors.Is.
var ErrValidation = schemas.ErrValidation

// validate checks the events of one append or transaction against
// Config.Schemas before they reach a stream actor. It returns reqs
// unchanged when no registry is set; otherwise copies whose events carry
// the schema version the registry chose (the caller's slices are never
// modified). On failure nothing is sent and the *ValidationError names the
// stream (for a single append).
func (s *Store) validate(ctx context.Context, reqs []AppendRequest) ([]AppendRequest, error) {
	reg := s.cfg.Schemas
	if reg == nil {
		return reqs, nil
	}
	out := make([]AppendRequest, len(reqs))
	for i, r := range reqs {
		results, err := reg.ValidateBatch(r.Events)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Stream = r.Stream
			}
			return nil, err
		}
		out[i] = r
		out[i].Events = withVersions(r.Events, results)
		s.logWarnings(r.Stream, results)
	}
	return out, nil
}

// withVersions returns evs with the chosen schema versions set, copying
// the slice only when a version changes.
func withVersions(evs []EventData, results []schemas.Result) []EventData {
	var cp []EventData
	for i, res := range results {
		if res.Version == evs[i].SchemaVersion {
			continue
		}
		if cp == nil {
			cp = append([]EventData(nil), evs...)
		}
		cp[i].SchemaVersion = res.Version
	}
	if cp == nil {
		return evs
	}
	return cp
}

func (s *Store) logWarnings(stream string, results []schemas.Result) {
	for i, res := range results {
		for _, p := range res.Warnings {
			s.cfg.Logger.Warn().Str("stream", stream).Int("event", i).Str("type", res.Type).
				Str("path", p.Path).Str("rule", p.Rule).Msg("schema: " + p.Message)
		}
	}
}

// upcast brings events read from the store to the latest registered
// version of their type, in a new slice (evs may be shared with a stream
// actor's cache). Stored events are never rewritten. Without a registry,
// events are returned as they are.
func (s *Store) upcast(evs []RecordedEvent, err error) ([]RecordedEvent, error) {
	reg := s.cfg.Schemas
	if reg == nil || err != nil || len(evs) == 0 {
		return evs, err
	}
	out := make([]RecordedEvent, len(evs))
	for i := range evs {
		if out[i], err = reg.Upcast(evs[i], 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// upcastHandler wraps a subscription handler so it sees upcast events.
func (s *Store) upcastHandler(h Handler) Handler {
	reg := s.cfg.Schemas
	if reg == nil {
		return h
	}
	return func(ctx context.Context, e RecordedEvent) error {
		up, err := reg.Upcast(e, 0)
		if err != nil {
			return err
		}
		return h(ctx, up)
	}
}

// Upcast returns e at schema version target of its type (0: the latest),
// through the registered upcasters. It returns e unchanged when
// Config.Schemas is nil. A missing step is an error naming the type and
// both versions.
func (s *Store) Upcast(e RecordedEvent, target uint32) (RecordedEvent, error) {
	if s.cfg.Schemas == nil {
		return e, nil
	}
	return s.cfg.Schemas.Upcast(e, target)
}
