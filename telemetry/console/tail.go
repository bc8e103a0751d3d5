package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// tail answers GET /ui/api/tail?stream= with server-sent events: "ready"
// once the subscription runs (every event committed afterwards follows),
// then one "event" per event of the stream (all streams when stream is
// empty), until the caller goes away or the console closes. A slow
// browser holds the subscription's credits (the handler blocks on the
// write), so it costs the node at most the window of events.
func (c *Console) tail(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	select {
	case c.tails <- struct{}{}:
		defer func() { <-c.tails }()
	default:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": fmt.Sprintf(
			"%d live tails are running, the most this console serves at once", cap(c.tails))})
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(c.life, cancel)
	defer stop()
	stream := r.URL.Query().Get("stream")
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	var mu sync.Mutex // "ready" and the handler's events write w
	send := func(name string, v any) error {
		mu.Lock()
		defer mu.Unlock()
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b); err != nil {
			return err
		}
		fl.Flush()
		return nil
	}
	sub, err := c.cfg.Store.Subscribe(ctx, actorstore.SubscribeOptions{Stream: stream, Start: actorstore.FromEnd,
		Window: 64, Retry: actorstore.RetryPolicy{MaxAttempts: 1}},
		func(_ context.Context, e eventstore.RecordedEvent) error { return send("event", viewOf(&e)) })
	if err != nil {
		writeError(w, err)
		return
	}
	defer func() { _ = sub.Close() }()
	// FromEnd: every commit after Subscribe returned is delivered; an event
	// may even overtake "ready" (the browser shows both).
	if send("ready", map[string]string{"stream": stream}) != nil {
		return
	}
	select {
	case <-ctx.Done():
	case <-sub.Done():
	}
}
