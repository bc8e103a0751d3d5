package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/persistence"
)

// lifecycleView is what the stream page shows of a stream's data
// lifecycle (docs/lifecycle.md): its retention metadata and whether it is
// deleted.
type lifecycleView struct {
	// Deleted: "" (not deleted), "soft" (events up to DeletedThrough are
	// hidden; appends continue) or "hard" (a tombstone).
	Deleted        string `json:"deleted"`
	DeletedThrough uint64 `json:"deleted_through"`
	// Metadata is the stream's retention; MetadataVersion 0: never set.
	Metadata        metadataView `json:"metadata"`
	MetadataVersion uint64       `json:"metadata_version"`
}

type metadataView struct {
	TruncateBefore uint64 `json:"truncate_before"`
	MaxAgeSeconds  uint64 `json:"max_age_seconds"`
	MaxCount       uint64 `json:"max_count"`
}

// lifecycleOf reads a stream's deletion and retention: in one read from
// the database when it keeps them (persistence.StreamDeleter), else the
// metadata through the Store (a soft delete then does not show; a
// tombstone does, as the metadata read's *StreamDeletedError).
func (c *Console) lifecycleOf(ctx context.Context, stream string) (lifecycleView, error) {
	var v lifecycleView
	if d, ok := c.cfg.Engine.DB.(persistence.StreamDeleter); ok {
		_, r, err := d.HeadRetention(ctx, stream)
		if err != nil {
			return v, err
		}
		switch {
		case r.Tombstone:
			v.Deleted = "hard"
		case r.Through > 0:
			v.Deleted = "soft"
		}
		v.DeletedThrough = r.Through
		v.Metadata = metadataOf(r.Meta)
		v.MetadataVersion = r.MetaVersion
		return v, nil
	}
	md, err := c.cfg.Store.StreamMetadata(ctx, stream)
	if isDeleted(err) {
		v.Deleted = "hard"
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Metadata, v.MetadataVersion = metadataOf(md.Metadata), md.Version
	return v, nil
}

func metadataOf(m eventstore.StreamMetadata) metadataView {
	return metadataView{TruncateBefore: m.TruncateBefore, MaxAgeSeconds: uint64(m.MaxAge.Seconds()), MaxCount: m.MaxCount}
}

// deleteRequest is the console's delete action. The expected version is
// required: the console deletes what the operator looked at.
type deleteRequest struct {
	Stream   string  `json:"stream"`
	Expected *uint64 `json:"expected_version"`
	Hard     bool    `json:"hard"`
}

// deleteStream answers POST /ui/api/delete (only with Config.Write, and
// the role write): it deletes one stream if it is at the expected version
// and logs who did.
func (c *Console) deleteStream(w http.ResponseWriter, r *http.Request) {
	var req deleteRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, &eventstore.InputError{Field: "request", Rule: "json", Message: "the body is not a JSON delete request"})
		return
	}
	if req.Expected == nil {
		writeError(w, &eventstore.InputError{Field: "expected_version", Rule: "required",
			Message: "a delete needs the stream's expected version"})
		return
	}
	res, err := c.cfg.Store.Delete(r.Context(), actorstore.DeleteRequest{Stream: req.Stream,
		Expected: actorstore.Exact(*req.Expected), Hard: req.Hard})
	c.cfg.Logger.Info().Str("action", "console.delete").Str("stream", req.Stream).Uint64("expected_version", *req.Expected).
		Bool("hard", req.Hard).Str("remote", r.RemoteAddr).Err(err).Msg("console write action")
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"stream": res.Stream, "version": res.Version, "hard": res.Hard})
}

// projectionView is one version of a projection on the projections page.
type projectionView struct {
	Name       string  `json:"name"`
	Version    int     `json:"version"`
	Live       bool    `json:"live"`
	State      string  `json:"state"`
	Position   uint64  `json:"position"`
	Head       uint64  `json:"head"`
	LagEvents  uint64  `json:"lag_events"`
	LagSeconds float64 `json:"lag_seconds"`
	Handled    int64   `json:"handled"`
	Parked     int     `json:"parked"`
	LastError  string  `json:"last_error"`
	Partitions int     `json:"partitions"`
	// Parts has one row per partition: its checkpoint, events handled,
	// whether it caught up once, and the process holding its lease.
	Parts []partitionView `json:"parts"`
}

type partitionView struct {
	Partition int    `json:"partition"`
	Position  uint64 `json:"position"`
	Handled   int64  `json:"handled"`
	CaughtUp  bool   `json:"caught_up"`
	Owner     string `json:"owner"`
	Owned     bool   `json:"owned"`
}

// projections answers GET /ui/api/projections?name=: the status of every
// projection version (projections.StatusOf through the Store), or of one
// projection.
func (c *Console) projections(w http.ResponseWriter, r *http.Request) {
	st, err := c.cfg.Store.ProjectionStatus(r.Context(), r.URL.Query().Get("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]projectionView, len(st))
	for i, s := range st {
		out[i] = projectionView{Name: s.Name, Version: s.Version, Live: s.Live, State: s.State,
			Position: uint64(s.Position), Head: uint64(s.Head), LagEvents: s.LagEvents, LagSeconds: s.LagSeconds,
			Handled: s.Handled, Parked: s.Parked, LastError: s.LastError, Partitions: s.Partitions,
			Parts: make([]partitionView, len(s.Parts))}
		for j, p := range s.Parts {
			out[i].Parts[j] = partitionView{Partition: p.Partition, Position: uint64(p.Position), Handled: p.Handled,
				CaughtUp: p.CaughtUp, Owner: p.Owner, Owned: p.Owned}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"projections": out})
}

// projectionParkedView is one event a projection version parked.
type projectionParkedView struct {
	Position  uint64    `json:"position"`
	Partition int       `json:"partition"`
	Stream    string    `json:"stream"`
	Type      string    `json:"type"`
	Kind      string    `json:"kind"` // "stopped" (holds its partition) or "parked" (skipped)
	Error     string    `json:"error"`
	ParkedAt  time.Time `json:"parked_at"`
}

// projectionVersion reads the name and version query parameters.
func projectionVersion(r *http.Request) (string, int, error) {
	name := r.URL.Query().Get("name")
	v, err := strconv.Atoi(r.URL.Query().Get("version"))
	if name == "" || err != nil || v < 1 {
		return "", 0, &eventstore.InputError{Field: "version", Rule: "required",
			Message: "name and version (a number from 1) of the projection are required"}
	}
	return name, v, nil
}

// projectionParked answers GET /ui/api/projection-parked?name=&version=:
// the events that projection version parked, oldest first.
func (c *Console) projectionParked(w http.ResponseWriter, r *http.Request) {
	name, version, err := projectionVersion(r)
	if err != nil {
		writeError(w, err)
		return
	}
	evs, err := c.cfg.Store.ProjectionParked(r.Context(), name, version)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]projectionParkedView, len(evs))
	for i, e := range evs {
		out[i] = projectionParkedView{Position: uint64(e.Position), Partition: e.Partition, Stream: e.Stream,
			Type: e.Type, Kind: e.Kind, Error: e.Error, ParkedAt: e.ParkedAt.UTC()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"parked": out})
}

// resolveRequest is the console's retry or skip of a parked event.
type resolveRequest struct {
	Name     string `json:"name"`
	Version  int    `json:"version"`
	Position uint64 `json:"position"`
	// Action: "retry" or "skip".
	Action string `json:"action"`
}

// resolveParked answers POST /ui/api/projection-parked (only with
// Config.Write, and the role write): it retries or skips one parked event
// of a projection version (Store.RetryProjectionParked,
// Store.SkipProjectionParked) and logs who did.
func (c *Console) resolveParked(w http.ResponseWriter, r *http.Request) {
	var req resolveRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, &eventstore.InputError{Field: "request", Rule: "json", Message: "the body is not a JSON retry or skip request"})
		return
	}
	var err error
	switch req.Action {
	case "retry":
		err = c.cfg.Store.RetryProjectionParked(r.Context(), req.Name, req.Version, req.Position)
	case "skip":
		err = c.cfg.Store.SkipProjectionParked(r.Context(), req.Name, req.Version, req.Position)
	default:
		writeError(w, &eventstore.InputError{Field: "action", Rule: "oneof", Message: `action must be "retry" or "skip"`})
		return
	}
	c.cfg.Logger.Info().Str("action", "console.projection."+req.Action).Str("projection", req.Name).
		Int("version", req.Version).Uint64("position", req.Position).Str("remote", r.RemoteAddr).Err(err).
		Msg("console write action")
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": req.Name, "version": req.Version, "position": req.Position,
		"action": req.Action})
}

// isDeleted reports a hard-deleted stream's error.
func isDeleted(err error) bool { return errors.Is(err, eventstore.ErrStreamDeleted) }
