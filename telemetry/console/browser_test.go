package console_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/internal/servetest"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
	"github.com/actorstore/actorstore/telemetry/console"
)

// requireBrowser makes a missing Chromium a failure instead of a skip
// (.ci/run installs the Debian package chromium and sets it).
const requireBrowser = "ACTORSTORE_REQUIRE_BROWSER"

// screenshotDir, when set, receives console.png (docs/img is made so).
const screenshotDir = "ACTORSTORE_SCREENSHOT_DIR"

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireBrowser) == "1" {
		t.Fatalf("no Chromium on PATH (apt-get install chromium), and %s=1", requireBrowser)
	}
	t.Skip("no Chromium on PATH (apt-get install chromium); " + requireBrowser + "=1 makes this a failure")
	return ""
}

// appendAPI appends one JSON event through the node's gRPC/Connect API.
func appendAPI(t *testing.T, c messagesconnect.EventStoreServiceClient, stream, typ, data string) {
	t.Helper()
	id := uuid.New()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.Append(ctx, connect.NewRequest(&messages.AppendRequest{Stream: stream,
		Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
		Events:   []*messages.EventData{{EventId: id[:], Type: typ, ContentType: "application/json", Data: []byte(data)}}}))
	if err != nil {
		t.Fatal(err)
	}
}

// TestConsoleInBrowser drives the console of a real `actorstore serve`
// in headless Chromium: it searches a category, opens a stream and one of
// its events (pretty JSON), starts the live tail and sees an event
// appended afterwards appear, and takes a screenshot.
func TestConsoleInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	n := servetest.Start(t, servetest.Build(t))
	api := messagesconnect.NewEventStoreServiceClient(http.DefaultClient, "http://"+n.API)
	for i := 1; i <= 30; i++ {
		appendAPI(t, api, fmt.Sprintf("order-%02d", i), "OrderPlaced", `{"total":`+strconv.Itoa(i)+`,"currency":"EUR","lines":[{"sku":"A-1","qty":2}]}`)
	}
	appendAPI(t, api, "order-07", "OrderPaid", `{"paid":true,"method":"card"}`)
	appendAPI(t, api, "invoice-1", "InvoiceIssued", `{"order":"order-07"}`)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	base := "http://" + n.Admin + "/ui/"
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(css(`#search`)),
		chromedp.SetValue(css(`#mode`), "category"),
		chromedp.SendKeys(css(`#prefix`), "order"),
		chromedp.Click(css(`#search`)),
		chromedp.WaitVisible(css(`#streams a[data-stream="order-07"]`)),
		// The list shown before the search (every stream) has order-07
		// too: the search's own list is the one without invoice-1.
		chromedp.WaitNotPresent(css(`#streams a[data-stream="invoice-1"]`)),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if first := text(`#streams tbody tr:first-child a`); first != "order-01" {
		t.Fatalf("first stream of category order: %q", first)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`#streams a[data-stream="order-07"]`)),
		chromedp.WaitVisible(css(`#events details[data-version="2"] summary`)),
		chromedp.Click(css(`#events details[data-version="1"] summary`)),
		chromedp.WaitVisible(css(`#events details[data-version="1"] pre.json`)),
	)
	if err != nil {
		t.Fatalf("open stream and event: %v", err)
	}
	if js := text(`#events details[data-version="1"] pre.json`); !strings.Contains(js, `"total": 7`) ||
		!strings.Contains(js, `"sku": "A-1"`) {
		t.Fatalf("event 1 of order-07 is not shown as pretty JSON:\n%s", js)
	}
	if lc := text(`#stream-lifecycle`); !strings.Contains(lc, "not deleted") || !strings.Contains(lc, "no retention metadata") {
		t.Fatalf("stream lifecycle line: %q", lc)
	}
	// The projections page answers (the stock serve runs none).
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav button[data-tab="projections"]`)),
		chromedp.WaitVisible(css(`#projections tbody tr td`)),
	)
	if err != nil {
		t.Fatalf("projections page: %v", err)
	}
	if p := text(`#projections tbody`); !strings.Contains(p, "no projections") {
		t.Fatalf("projections page: %q", p)
	}

	// The live tail: once it says live, an append must appear in it.
	err = chromedp.Do(ctx,
		chromedp.Click(css(`nav button[data-tab="tail"]`)),
		chromedp.Click(css(`#tail-start`)),
		chromedp.WaitVisible(css(`#tail-status.live`)),
	)
	if err != nil {
		t.Fatalf("live tail did not start: %v", err)
	}
	appendAPI(t, api, "order-live", "OrderPlaced", `{"total":99}`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css(`#tail-events tr[data-stream="order-live"]`))); err != nil {
		t.Fatalf("the appended event did not appear in the live tail: %v", err)
	}
	// The screenshot shows the stream browser with the opened event.
	err = chromedp.Do(ctx, chromedp.Click(css(`nav button[data-tab="streams"]`)),
		chromedp.WaitVisible(css(`#events details[data-version="1"] pre.json`)))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "console.png")
	if dir := os.Getenv(screenshotDir); dir != "" {
		out = filepath.Join(dir, "console.png")
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(png))
}

// TestProjectionPanelInBrowser: in headless Chromium, the projections
// page of a console with Write shows a projection's partitions and its
// parked event, and the operator's retry button hands the event to the
// handler again and empties the list.
func TestProjectionPanelInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	st, base, _ := serveConsole(t, console.Config{Self: "n", Write: true}, opToken)
	bg := context.Background()
	appendN(t, st, "p-1", 1)
	if _, err := st.Append(bg, "p-1", actorstore.Any(), actorstore.EventData{ID: uuid.New(), Type: "Bad", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var fixed atomic.Bool
	retried := make(chan eventstore.Position, 1)
	r, err := st.RunProjection(bg, actorstore.Projection{Name: "skipper", OnFailure: actorstore.ProjectionSkipAndPark,
		PollInterval: 10 * time.Millisecond,
		Handle: func(ctx context.Context, tx actorstore.ProjectionTx, evs []actorstore.RecordedEvent) error {
			for _, e := range evs {
				if e.Type == "Bad" && !fixed.Load() {
					return errors.New("not yet")
				}
				if e.Type == "Bad" {
					retried <- e.Position
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	eventually(t, func() bool { return len(projectionParked(t, base, "skipper")) == 1 })
	fixed.Store(true)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(bg, opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/ui/"),
		chromedp.WaitVisible(css(`#token`)),
		chromedp.SendKeys(css(`#token`), opToken.Secret+"\t"), // a change event: the console asks what it may do
		chromedp.Click(css(`nav button[data-tab="projections"]`)),
		chromedp.Click(css(`#projections tr[data-projection="skipper/1"]`)),
		chromedp.WaitVisible(css(`#projection-parked tr[data-position="2"] button[data-action="retry"]`)),
	)
	if err != nil {
		t.Fatalf("projection panel: %v", err)
	}
	parts, err := chromedp.Run(ctx, chromedp.Text(css(`#projection-parts tbody`)))
	if f := strings.Fields(parts); err != nil || len(f) != 5 || f[0] != "0" || f[1] != "2" || f[3] != "yes" {
		t.Fatalf("partitions: %q, %v; want partition 0 at position 2, caught up, with its owner", parts, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.confirm = () => true, true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(css(`#projection-parked tr[data-position="2"] button[data-action="retry"]`)),
		chromedp.WaitNotPresent(css(`#projection-parked tr[data-position="2"]`)),
	)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	select {
	case pos := <-retried:
		if pos != 2 {
			t.Fatalf("retried position %d, want 2", pos)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the handler did not get the retried event")
	}
	if p := projectionParked(t, base, "skipper"); len(p) != 0 {
		t.Fatalf("parked after the retry: %+v", p)
	}
}
