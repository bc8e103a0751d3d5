package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
)

// TestScavengeCommand: `actorstore scavenge` on an embedded store no node
// runs on removes the events a delete hid and reports them; on a store a
// node holds it fails with the lock error and exit status 1.
func TestScavengeCommand(t *testing.T) {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	st, err := actorstore.Open(ctx, actorstore.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if _, err := st.Append(ctx, "gone-1", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: "A", Data: []byte(`{"n":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "gone-1", Hard: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
	out := run(t, bin, 0, "", "scavenge", "--data-dir", data, "--json")
	var rep struct{ Events, Bytes, Streams int }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Events != 7 || rep.Bytes != 7*len(`{"n":1}`) || rep.Streams != 1 {
		t.Fatalf("scavenge --json: %s (%v)", out, err)
	}
	out = run(t, bin, 0, "", "scavenge", "--data-dir", data)
	if !strings.Contains(out, "scavenged 0 events") {
		t.Fatalf("second scavenge: %s", out)
	}
	serveNode(t, bin, data)
	out = run(t, bin, 1, "", "scavenge", "--data-dir", data)
	if !strings.Contains(out, "in use") && !strings.Contains(out, "locked") {
		t.Fatalf("scavenge of a store a node holds: %s", out)
	}
}
