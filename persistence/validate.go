package persistence

import (
	"context"

	"github.com/actorstore/actorstore/eventstore"
)

// One validation per append. The stream runtime validates every append
// where it enters (the caller gets the *InputError at once, nothing is
// sent to an actor), so its group-commit writer hands the store batches
// made only of validated requests. It says so with WithValidatedBatch,
// and the backends check a batch with ValidateAppend, which then skips the
// second pass over every event. Every other caller of AppendBatch (the
// copy command, tests, a wrapper that transforms the batch, such as
// crypto-shredding) gets the full check, with the same errors as before.

type validatedKey struct{}

// validated names the exact batch that was checked: its first request
// (by address), its length, and the limits it was checked with.
type validated struct {
	first  *eventstore.AppendRequest
	n      int
	limits eventstore.Limits
}

// WithValidatedBatch returns ctx marking reqs as a batch that passed
// limits.ValidateAppend: a backend's AppendBatch called with that ctx and
// that same slice (the same first element and length, not a copy) under
// the same limits skips its own check (see ValidateAppend). The caller
// must not change reqs afterwards. An empty reqs is not marked.
func WithValidatedBatch(ctx context.Context, reqs []eventstore.AppendRequest, limits eventstore.Limits) context.Context {
	if len(reqs) == 0 {
		return ctx
	}
	return context.WithValue(ctx, validatedKey{}, &validated{first: &reqs[0], n: len(reqs), limits: limits.WithDefaults()})
}

// ValidateAppend is limits.ValidateAppend(reqs) for a backend's
// AppendBatch, skipped when ctx marks this very batch as validated under
// the same limits (IsValidatedBatch).
func ValidateAppend(ctx context.Context, limits eventstore.Limits, reqs []eventstore.AppendRequest) error {
	if IsValidatedBatch(ctx, reqs, limits) {
		return nil
	}
	return limits.ValidateAppend(reqs)
}

// IsValidatedBatch reports whether ctx marks reqs itself (not a copy) as
// validated under limits (WithValidatedBatch).
func IsValidatedBatch(ctx context.Context, reqs []eventstore.AppendRequest, limits eventstore.Limits) bool {
	v, ok := ctx.Value(validatedKey{}).(*validated)
	return ok && len(reqs) > 0 && v.first == &reqs[0] && v.n == len(reqs) && v.limits == limits.WithDefaults()
}
