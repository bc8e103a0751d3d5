package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/telemetry"
	"github.com/actorstore/actorstore/telemetry/console"
)

type lifecyclePage struct {
	Version   uint64                     `json:"version"`
	Events    []struct{ Version uint64 } `json:"events"`
	Lifecycle struct {
		Deleted         string `json:"deleted"`
		DeletedThrough  uint64 `json:"deleted_through"`
		MetadataVersion uint64 `json:"metadata_version"`
		Metadata        struct {
			TruncateBefore uint64 `json:"truncate_before"`
			MaxAgeSeconds  uint64 `json:"max_age_seconds"`
			MaxCount       uint64 `json:"max_count"`
		} `json:"metadata"`
	} `json:"lifecycle"`
}

// TestStreamPageShowsMetadataAndDeletion: the stream page shows a
// stream's retention metadata and its version, and whether the stream is
// soft-deleted (through which version) or hard-deleted (a tombstone).
func TestStreamPageShowsMetadataAndDeletion(t *testing.T) {
	st, base, _ := serveConsole(t, console.Config{Self: "node-1"})
	ctx := context.Background()
	appendN(t, st, "kept-1", 3)
	if _, err := st.SetStreamMetadata(ctx, actorstore.MetadataRequest{Stream: "kept-1", Expected: actorstore.Any(),
		Metadata: actorstore.StreamMetadata{TruncateBefore: 2, MaxAge: time.Hour, MaxCount: 100}}); err != nil {
		t.Fatal(err)
	}
	var kept lifecyclePage
	if code := getJSON(t, base+"/ui/api/stream?id=kept-1", &kept); code != 200 {
		t.Fatalf("status %d", code)
	}
	if lc := kept.Lifecycle; lc.Deleted != "" || lc.MetadataVersion != 1 || lc.Metadata.TruncateBefore != 2 ||
		lc.Metadata.MaxAgeSeconds != 3600 || lc.Metadata.MaxCount != 100 || len(kept.Events) != 2 {
		t.Fatalf("kept-1: %+v", kept)
	}
	appendN(t, st, "soft-1", 2)
	if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "soft-1", Expected: actorstore.Exact(2)}); err != nil {
		t.Fatal(err)
	}
	var soft lifecyclePage
	getJSON(t, base+"/ui/api/stream?id=soft-1", &soft)
	if soft.Lifecycle.Deleted != "soft" || soft.Lifecycle.DeletedThrough != 2 || soft.Version != 2 || len(soft.Events) != 0 {
		t.Fatalf("soft-1: %+v", soft)
	}
	appendN(t, st, "hard-1", 1)
	if _, err := st.Delete(ctx, actorstore.DeleteRequest{Stream: "hard-1", Expected: actorstore.Any(), Hard: true}); err != nil {
		t.Fatal(err)
	}
	var hard lifecyclePage
	if code := getJSON(t, base+"/ui/api/stream?id=hard-1", &hard); code != 200 || hard.Lifecycle.Deleted != "hard" || len(hard.Events) != 0 {
		t.Fatalf("hard-1: %d %+v", code, hard)
	}
}

// TestConsoleDeleteAction: the delete action exists only with Write,
// needs the role write and an expected version, refuses a stale one
// (409, nothing deleted), deletes at the right one, and is logged.
func TestConsoleDeleteAction(t *testing.T) {
	read := telemetry.Token{Role: telemetry.RoleRead, Secret: "read-secret-0123456789"}
	write := telemetry.Token{Role: telemetry.RoleWrite, Secret: "write-secret-0123456789"}
	do := func(url, token, body string) (int, string) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ro, roBase, _ := serveConsole(t, console.Config{Self: "n"}, read, write)
	appendN(t, ro, "d-1", 1)
	if code, _ := do(roBase+"/ui/api/delete", write.Secret, `{"stream":"d-1","expected_version":1}`); code != 405 {
		t.Fatalf("delete on a read-only console: %d, want 405", code)
	}
	st, base, logs := serveConsole(t, console.Config{Self: "n", Write: true}, read, write)
	ctx := context.Background()
	appendN(t, st, "d-1", 2)
	visible := func() int {
		evs, err := st.ReadStream(ctx, actorstore.StreamRead{Stream: "d-1", From: 1, Limit: 10})
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Fatal(err)
		}
		return len(evs)
	}
	for _, c := range []struct {
		token, body string
		want        int
	}{
		{read.Secret, `{"stream":"d-1","expected_version":2}`, 403},
		{write.Secret, `{"stream":"d-1"}`, 400},                      // no expected version
		{write.Secret, `{"stream":"d-1","expected_version":1}`, 409}, // stale
		{write.Secret, `not json`, 400},
	} {
		if code, body := do(base+"/ui/api/delete", c.token, c.body); code != c.want {
			t.Fatalf("%s: %d %s, want %d", c.body, code, body, c.want)
		}
		if n := visible(); n != 2 {
			t.Fatalf("after %s: %d events visible, want 2", c.body, n)
		}
	}
	code, body := do(base+"/ui/api/delete", write.Secret, `{"stream":"d-1","expected_version":2,"hard":true}`)
	if code != 200 || !strings.Contains(body, `"version":2`) || !strings.Contains(body, `"hard":true`) {
		t.Fatalf("delete: %d %s", code, body)
	}
	if _, err := st.Append(ctx, "d-1", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: "Late", Data: []byte(`{}`)}); !errors.Is(err, eventstore.ErrStreamDeleted) {
		t.Fatalf("append after the console's hard delete: %v", err)
	}
	if l := logs.String(); !strings.Contains(l, `"action":"console.delete"`) || !strings.Contains(l, `"expected_version":2`) {
		t.Fatalf("the delete was not logged: %s", l)
	}
}

// TestConsoleProjectionsPage: a projection that parked an event shows on
// the projections page with its version, live flag, state, position, lag,
// parked count and last error, as projections.StatusOf reports them.
func TestConsoleProjectionsPage(t *testing.T) {
	st, base, _ := serveConsole(t, console.Config{Self: "n"})
	ctx := context.Background()
	appendN(t, st, "p-1", 2)
	if _, err := st.Append(ctx, "p-1", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: "Bad", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	r, err := st.RunProjection(ctx, actorstore.Projection{Name: "totals", OnFailure: actorstore.ProjectionSkipAndPark,
		PollInterval: 10 * time.Millisecond,
		Handle: func(ctx context.Context, tx actorstore.ProjectionTx, evs []actorstore.RecordedEvent) error {
			for _, e := range evs {
				if e.Type == "Bad" {
					return errors.New("cannot total a Bad event")
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type row struct {
		Name      string  `json:"name"`
		Version   int     `json:"version"`
		Live      bool    `json:"live"`
		State     string  `json:"state"`
		Position  uint64  `json:"position"`
		Head      uint64  `json:"head"`
		LagEvents uint64  `json:"lag_events"`
		LagSecs   float64 `json:"lag_seconds"`
		Parked    int     `json:"parked"`
		LastError string  `json:"last_error"`
	}
	var got row
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var p struct{ Projections []row }
		if code := getJSON(t, base+"/ui/api/projections", &p); code != 200 {
			t.Fatalf("status %d", code)
		}
		if len(p.Projections) == 1 && p.Projections[0].Parked == 1 && p.Projections[0].Position == 3 {
			got = p.Projections[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("projections page: %+v", p)
		}
	}
	if got.Name != "totals" || got.Version != 1 || !got.Live || got.Head != 3 || got.LagEvents != 0 ||
		got.State == "" || !strings.Contains(got.LastError, "cannot total") {
		t.Fatalf("row %+v", got)
	}
	if code := getJSON(t, base+"/ui/api/projections?name=nope", nil); code != http.StatusBadRequest {
		t.Fatalf("unknown projection: %d, want 400", code)
	}
}
