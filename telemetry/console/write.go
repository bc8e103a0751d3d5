package console

import (
	"encoding/json"
	"net/http"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
)

// appendRequest is the console's one write action: append one JSON event.
type appendRequest struct {
	Stream string          `json:"stream"`
	Type   string          `json:"type"`
	Data   json.RawMessage `json:"data"`
	// Expected: "any" (default), "no_stream", or a version.
	Expected *uint64 `json:"expected_version,omitempty"`
	NoStream bool    `json:"no_stream,omitempty"`
}

// appendEvent answers POST /ui/api/append (only with Config.Write, and
// the role write): it appends one event and logs who did.
func (c *Console) appendEvent(w http.ResponseWriter, r *http.Request) {
	var req appendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, &eventstore.InputError{Field: "request", Rule: "json", Message: "the body is not a JSON append request"})
		return
	}
	exp := actorstore.Any()
	switch {
	case req.NoStream:
		exp = actorstore.NoStream()
	case req.Expected != nil:
		exp = actorstore.Exact(*req.Expected)
	}
	data := []byte(req.Data)
	if len(data) == 0 {
		data = []byte("{}")
	}
	res, err := c.cfg.Store.Append(r.Context(), req.Stream, exp, actorstore.EventData{ID: actorstore.NewEventID(), Type: req.Type,
		ContentType: "application/json", Data: data})
	c.cfg.Logger.Info().Str("action", "console.append").Str("stream", req.Stream).Str("type", req.Type).
		Str("remote", r.RemoteAddr).Err(err).Msg("console write action")
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
