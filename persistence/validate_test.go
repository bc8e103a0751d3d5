package persistence_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// TestValidatedBatchSkipsOnlyThatBatch: a batch marked as validated (by
// the stream runtime) is not checked again, but a copy of it, a part of
// it, the same batch under other limits, or an unmarked ctx get the full
// check with the same error as Limits.ValidateAppend: a backend called
// directly (copy command, tests, a wrapper that transforms the batch)
// still refuses bad input.
func TestValidatedBatchSkipsOnlyThatBatch(t *testing.T) {
	limits := eventstore.Limits{}
	// Bad on purpose, so that a skipped check is visible.
	reqs := []eventstore.AppendRequest{
		{Stream: "a", Events: []eventstore.EventData{{ID: uuid.New(), Type: "", Data: []byte(`{}`)}}},
		{Stream: "b", Events: []eventstore.EventData{{ID: uuid.New(), Type: "t", Data: []byte(`{}`)}}},
	}
	want := limits.ValidateAppend(reqs)
	if want == nil {
		t.Fatal("the test batch should be invalid")
	}
	ctx := persistence.WithValidatedBatch(context.Background(), reqs, limits)
	if err := persistence.ValidateAppend(ctx, limits, reqs); err != nil {
		t.Fatalf("marked batch checked again: %v", err)
	}
	if err := persistence.ValidateAppend(ctx, eventstore.DefaultLimits, reqs); err != nil {
		t.Fatalf("limits equal once defaulted should count as the same: %v", err)
	}
	other := eventstore.Limits{MaxTypeLength: 8}
	for name, c := range map[string]struct {
		ctx    context.Context
		limits eventstore.Limits
		reqs   []eventstore.AppendRequest
	}{
		"unmarked ctx":  {context.Background(), limits, reqs},
		"copy":          {ctx, limits, slices.Clone(reqs)},
		"first request": {ctx, limits, reqs[:1]},
		"other limits":  {ctx, other, reqs},
	} {
		got := persistence.ValidateAppend(c.ctx, c.limits, c.reqs)
		if exp := c.limits.ValidateAppend(c.reqs); !reflect.DeepEqual(got, exp) || got == nil {
			t.Errorf("%s: ValidateAppend = %v, want the full check's %v", name, got, exp)
		}
	}
	if persistence.WithValidatedBatch(context.Background(), nil, limits) != context.Background() {
		t.Error("an empty batch should not be marked")
	}
}
