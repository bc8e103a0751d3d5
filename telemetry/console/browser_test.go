package console_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/actorstore/actorstore/internal/servetest"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
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
