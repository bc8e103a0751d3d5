package persistence_test

import (
	"errors"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

func TestSyntheticValidateNamesTheField(t *testing.T) {
	good := persistence.Synthetic{Events: 10, PerStream: 3, Prefix: "p-", Type: "T", Data: []byte(`{}`)}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid: %v", err)
	}
	for field, edit := range map[string]func(*persistence.Synthetic){
		"Events":    func(g *persistence.Synthetic) { g.Events = -1 },
		"PerStream": func(g *persistence.Synthetic) { g.PerStream = 0 },
		"Prefix":    func(g *persistence.Synthetic) { g.Prefix = "" },
		"Type":      func(g *persistence.Synthetic) { g.Type = "" },
		"Data":      func(g *persistence.Synthetic) { g.Data = nil },
	} {
		g := good
		edit(&g)
		var ie *eventstore.InputError
		if err := g.Validate(); !errors.As(err, &ie) || ie.Field != field {
			t.Errorf("%s: got %v, want an *eventstore.InputError on %s", field, err, field)
		}
	}
}
