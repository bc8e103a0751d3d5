package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
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
		Parts     []struct {
			Partition int    `json:"partition"`
			Position  uint64 `json:"position"`
			CaughtUp  bool   `json:"caught_up"`
			Owner     string `json:"owner"`
			Owned     bool   `json:"owned"`
		} `json:"parts"`
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
	if len(got.Parts) != 1 || got.Parts[0].Partition != 0 || got.Parts[0].Position != 3 || got.Parts[0].Owner == "" {
		t.Fatalf("partitions %+v, want partition 0 at 3 with its owner", got.Parts)
	}
	if code := getJSON(t, base+"/ui/api/projections?name=nope", nil); code != http.StatusBadRequest {
		t.Fatalf("unknown projection: %d, want 400", code)
	}
}

type parkedRow struct {
	Position uint64 `json:"position"`
	Stream   string `json:"stream"`
	Type     string `json:"type"`
	Kind     string `json:"kind"`
	Error    string `json:"error"`
}

// opToken is the write token of TestConsoleRetriesAndSkipsParkedProjectionEvents.
var opToken = telemetry.Token{Role: telemetry.RoleWrite, Secret: "operator-secret-0123456789"}

func projectionParked(t *testing.T, base, name string) []parkedRow {
	t.Helper()
	var p struct{ Parked []parkedRow }
	if code := getJSONAs(t, base+"/ui/api/projection-parked?name="+name+"&version=1", opToken.Secret, &p); code != 200 {
		t.Fatalf("projection-parked: status %d", code)
	}
	return p.Parked
}

func postJSON(t *testing.T, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+opToken.Secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestConsoleRetriesAndSkipsParkedProjectionEvents: the console lists the
// events a projection parked, and with Write its operator retries one (a
// skipped event goes to the handler of the runner in this process) and
// skips another (a stopped event's partition moves past it); both are
// logged, and bad requests get typed errors.
func TestConsoleRetriesAndSkipsParkedProjectionEvents(t *testing.T) {
	st, base, logs := serveConsole(t, console.Config{Self: "n", Write: true}, opToken)
	ctx := context.Background()
	appendN(t, st, "p-1", 1)
	for _, typ := range []string{"Bad", "Bad"} {
		if _, err := st.Append(ctx, "p-1", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var fixed atomic.Bool
	retried := make(chan eventstore.Position, 4)
	handle := func(ctx context.Context, tx actorstore.ProjectionTx, evs []actorstore.RecordedEvent) error {
		for _, e := range evs {
			if e.Type != "Bad" {
				continue
			}
			if !fixed.Load() {
				return errors.New("cannot handle a Bad event yet")
			}
			retried <- e.Position
		}
		return nil
	}
	skipper, err := st.RunProjection(ctx, actorstore.Projection{Name: "skipper", OnFailure: actorstore.ProjectionSkipAndPark,
		PollInterval: 10 * time.Millisecond, Handle: handle})
	if err != nil {
		t.Fatal(err)
	}
	defer skipper.Close()
	stopper, err := st.RunProjection(ctx, actorstore.Projection{Name: "stopper", OnFailure: actorstore.ProjectionStop,
		PollInterval: 10 * time.Millisecond, Handle: handle})
	if err != nil {
		t.Fatal(err)
	}
	defer stopper.Close()
	eventually(t, func() bool {
		return len(projectionParked(t, base, "skipper")) == 2 && len(projectionParked(t, base, "stopper")) == 1
	})
	if p := projectionParked(t, base, "skipper"); p[0].Position != 2 || p[1].Position != 3 || p[0].Kind != "parked" ||
		p[0].Stream != "p-1" || p[0].Type != "Bad" || !strings.Contains(p[0].Error, "yet") {
		t.Fatalf("skipper's parked events: %+v", p)
	}
	if p := projectionParked(t, base, "stopper"); p[0].Position != 2 || p[0].Kind != "stopped" {
		t.Fatalf("stopper's parked events: %+v", p)
	}

	fixed.Store(true)
	if code := postJSON(t, base+"/ui/api/projection-parked", `{"name":"skipper","version":1,"position":2,"action":"retry"}`); code != 200 {
		t.Fatalf("retry: status %d", code)
	}
	if pos := <-retried; pos != 2 {
		t.Fatalf("the handler got position %d again, want 2", pos)
	}
	if code := postJSON(t, base+"/ui/api/projection-parked", `{"name":"skipper","version":1,"position":3,"action":"skip"}`); code != 200 {
		t.Fatalf("skip: status %d", code)
	}
	if p := projectionParked(t, base, "skipper"); len(p) != 0 {
		t.Fatalf("skipper still has parked events after retry and skip: %+v", p)
	}
	// The stopped partition skips position 2, then handles 3 (fixed now).
	if code := postJSON(t, base+"/ui/api/projection-parked", `{"name":"stopper","version":1,"position":2,"action":"skip"}`); code != 200 {
		t.Fatalf("skip of a stopped event: status %d", code)
	}
	if pos := <-retried; pos != 3 {
		t.Fatalf("the stopped partition handled position %d after the skip, want 3", pos)
	}
	if p := projectionParked(t, base, "stopper"); len(p) != 0 {
		t.Fatalf("stopper still has parked events: %+v", p)
	}
	select {
	case pos := <-retried:
		t.Fatalf("position %d handled once more", pos)
	default:
	}

	for _, bad := range []string{
		`{"name":"skipper","version":1,"position":2,"action":"retry"}`, // no longer parked
		`{"name":"skipper","version":1,"position":3,"action":"redo"}`,
		`{"name":"nope","version":1,"position":2,"action":"skip"}`,
		`not json`,
	} {
		if code := postJSON(t, base+"/ui/api/projection-parked", bad); code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, code)
		}
	}
	if code := getJSONAs(t, base+"/ui/api/projection-parked?name=skipper", opToken.Secret, nil); code != http.StatusBadRequest {
		t.Errorf("parked list without a version: %d, want 400", code)
	}
	for _, want := range []string{`"action":"console.projection.retry"`, `"action":"console.projection.skip"`, `"projection":"stopper"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

func eventually(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30 s")
		}
	}
}
