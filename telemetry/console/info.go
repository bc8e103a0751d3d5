package console

import (
	"context"
	"net/http"
	"time"
)

// subscriptionsView is the subscription hub's state.
type subscriptionsView struct {
	Subscriptions   int     `json:"subscriptions"`
	Groups          int     `json:"groups"`
	Head            uint64  `json:"head"`
	MaxLag          uint64  `json:"max_lag"`
	MaxLagSeconds   float64 `json:"max_lag_seconds"`
	CreditsInFlight int64   `json:"credits_in_flight"`
	MaxHeld         int64   `json:"max_held"`
}

// subscriptions answers GET /ui/api/subscriptions.
func (c *Console) subscriptions(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	hub := c.cfg.Engine.Hub
	st, err := hub.Stats(ctx)
	if err != nil {
		writeError(w, err)
		return
	}
	f := hub.Flow(uint64(st.Head))
	writeJSON(w, http.StatusOK, subscriptionsView{Subscriptions: st.Subscriptions, Groups: st.Groups,
		Head: uint64(st.Head), MaxLag: f.MaxLag, MaxLagSeconds: f.MaxLagTime.Seconds(),
		CreditsInFlight: f.CreditsInFlight, MaxHeld: f.MaxHeld})
}

// parked answers GET /ui/api/parked?name=&from=: the parked events of a
// durable subscription or consumer group.
func (c *Console) parked(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err := intParam(q.Get("from"), 1)
	if err != nil {
		writeError(w, err)
		return
	}
	ps, err := c.cfg.Store.Parked(r.Context(), q.Get("name"), uint64(from), DefaultPageSize)
	if err != nil {
		writeError(w, err)
		return
	}
	type parkedView struct {
		Event         eventView `json:"event"`
		Reason        string    `json:"reason"`
		ParkedVersion uint64    `json:"parked_version"`
	}
	out := make([]parkedView, len(ps))
	for i := range ps {
		out[i] = parkedView{Event: viewOf(&ps[i].Original), Reason: ps[i].Reason, ParkedVersion: ps[i].ParkedVersion}
	}
	writeJSON(w, http.StatusOK, map[string]any{"name": q.Get("name"), "parked": out})
}

// cluster answers GET /ui/api/cluster.
func (c *Console) cluster(w http.ResponseWriter, _ *http.Request) {
	info := ClusterInfo{Self: c.cfg.Self, Members: []string{c.cfg.Self}, Joined: true}
	if c.cfg.Cluster != nil {
		info = c.cfg.Cluster()
	}
	writeJSON(w, http.StatusOK, map[string]any{"clustered": c.cfg.Cluster != nil, "cluster": info})
}

// config answers GET /ui/api/config: what the page may offer.
func (c *Console) config(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"write": c.cfg.Write, "self": c.cfg.Self, "charts": c.sampler != nil})
}
