package schemas_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/schemas"
)

// TestImportsOnlyEventstoreAndWire keeps the layering: schemas sits
// beside persistence and knows nothing of actors, streams, the root or
// protobuf messages (its errors cross the wire through a wire.ErrorCodec).
func TestImportsOnlyEventstoreAndWire(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/actorstore/actorstore/eventstore": true,
		"github.com/actorstore/actorstore/wire":       true,
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasPrefix(imp, "github.com/actorstore/actorstore") && !allowed[imp] {
			t.Errorf("schemas imports %s", imp)
		}
	}
}

func TestNilRegistryValidatesAndUpcastsNothing(t *testing.T) {
	var r *schemas.Registry
	res, err := r.Validate(event("any", 3, `not json`))
	if err != nil || res.Mode != schemas.ModeOff || res.Version != 3 {
		t.Fatalf("validate: %+v %v", res, err)
	}
	ev := eventstore.RecordedEvent{EventData: *event("any", 1, `x`)}
	if out, err := r.Upcast(ev, 0); err != nil || string(out.Data) != "x" {
		t.Fatalf("upcast: %v", err)
	}
	if _, err := r.ValidateBatch([]eventstore.EventData{*event("a", 0, "")}); err != nil {
		t.Fatal(err)
	}
}
