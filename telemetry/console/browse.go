package console

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// streamsPage is one page of the stream browser.
type streamsPage struct {
	Streams []streamRow `json:"streams"`
	// First and Last are the cursors for the pages before and after.
	First string `json:"first"`
	Last  string `json:"last"`
}

type streamRow struct {
	Stream       string `json:"stream"`
	Version      uint64 `json:"version"`
	LastPosition uint64 `json:"last_position"`
}

// streams answers GET /ui/api/streams?prefix=&after=&before=&limit=.
func (c *Console) streams(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), DefaultPageSize)
	if err != nil {
		writeError(w, err)
		return
	}
	heads, err := c.lister.ListStreams(r.Context(), persistence.StreamList{Prefix: q.Get("prefix"),
		After: q.Get("after"), Before: q.Get("before"), Limit: limit})
	if err != nil {
		writeError(w, err)
		return
	}
	page := streamsPage{Streams: make([]streamRow, len(heads))}
	for i, h := range heads {
		page.Streams[i] = streamRow{Stream: h.Stream, Version: h.Version, LastPosition: h.LastPosition}
	}
	if len(heads) > 0 {
		page.First, page.Last = heads[0].Stream, heads[len(heads)-1].Stream
	}
	writeJSON(w, http.StatusOK, page)
}

// streamView is a stream's head, owner and one page of its events.
type streamView struct {
	Stream       string      `json:"stream"`
	Version      uint64      `json:"version"`
	LastPosition uint64      `json:"last_position"`
	Owner        string      `json:"owner"`
	Events       []eventView `json:"events"`
}

// eventView is an event as the console shows it: data as JSON when it is
// JSON, else base64.
type eventView struct {
	ID            string            `json:"id"`
	Stream        string            `json:"stream"`
	Version       uint64            `json:"version"`
	Position      uint64            `json:"position"`
	Type          string            `json:"type"`
	SchemaVersion uint32            `json:"schema_version"`
	ContentType   string            `json:"content_type"`
	Created       time.Time         `json:"created"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	JSON          json.RawMessage   `json:"json,omitempty"`
	Base64        string            `json:"base64,omitempty"`
	Size          int               `json:"size"`
}

func viewOf(e *eventstore.RecordedEvent) eventView {
	v := eventView{ID: e.ID.String(), Stream: e.Stream, Version: e.Version, Position: e.Position, Type: e.Type,
		SchemaVersion: e.SchemaVersion, ContentType: e.ContentType, Created: e.Created, Metadata: e.Metadata,
		Size: len(e.Data)}
	if len(e.Data) > 0 && json.Valid(e.Data) {
		v.JSON = json.RawMessage(e.Data)
	} else if len(e.Data) > 0 {
		v.Base64 = base64.StdEncoding.EncodeToString(e.Data)
	}
	return v
}

// stream answers GET /ui/api/stream?id=&from=&dir=forward|backward&limit=:
// from is a version, or "end" for the newest.
func (c *Console) stream(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("id")
	limit, err := intParam(q.Get("limit"), DefaultPageSize)
	if err == nil && limit > maxEventPage {
		err = &eventstore.InputError{Field: "limit", Rule: "max", Message: "at most 500 events per page"}
	}
	dir := actorstore.Forward
	if q.Get("dir") == "backward" {
		dir = actorstore.Backward
	}
	from := uint64(1)
	switch f := q.Get("from"); f {
	case "":
		if dir == actorstore.Backward {
			from = math.MaxUint64
		}
	case "end":
		from = math.MaxUint64
	default:
		if from, err = strconv.ParseUint(f, 10, 64); err != nil {
			err = &eventstore.InputError{Field: "from", Rule: "number", Message: "from is a version or \"end\""}
		}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	head, err := c.cfg.Store.Head(r.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	view := streamView{Stream: id, Version: head.Version, LastPosition: head.LastPosition, Owner: c.owner(r, id),
		Events: []eventView{}}
	evs, err := c.cfg.Store.ReadStream(r.Context(), actorstore.StreamRead{Stream: id, From: from, Direction: dir, Limit: limit})
	var nf *eventstore.StreamNotFoundError
	if err != nil && !errors.As(err, &nf) {
		writeError(w, err)
		return
	}
	for i := range evs {
		view.Events = append(view.Events, viewOf(&evs[i]))
	}
	writeJSON(w, http.StatusOK, view)
}

func (c *Console) owner(r *http.Request, stream string) string {
	if c.cfg.Owner == nil {
		return c.cfg.Self
	}
	o, err := c.cfg.Owner(r.Context(), stream)
	if err != nil {
		return "unknown: " + err.Error()
	}
	return o
}

func intParam(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, &eventstore.InputError{Field: "limit", Rule: "positive", Message: "limit must be a positive number"}
	}
	return n, nil
}

// writeError answers err as JSON with its code: 400 for bad input, 404
// for a missing stream, 503 otherwise.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusServiceUnavailable
	switch eventstore.CodeOf(err) {
	case eventstore.CodeInvalidInput, eventstore.CodeValidation:
		code = http.StatusBadRequest
	case eventstore.CodeStreamNotFound:
		code = http.StatusNotFound
	case eventstore.CodeConcurrency, eventstore.CodeDuplicateEvent:
		code = http.StatusConflict
	}
	writeJSON(w, code, map[string]string{"error": err.Error(), "code": eventstore.CodeOf(err).String()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
