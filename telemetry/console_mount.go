package telemetry

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/telemetry/console"
)

// mountConsole serves the operator console on mux: its page open, its
// data routes with the role read (open without tokens, like /metrics), its
// write action with the role write (so never without a write token).
func mountConsole(mux *http.ServeMux, auth *authorizer, src Source, cfg console.Config,
	reg prometheus.Gatherer, log zerolog.Logger) (*console.Console, error) {
	cfg.Store, cfg.Engine, cfg.Metrics, cfg.Logger = src.Store, src.Engine, reg, log
	ui, err := console.New(cfg)
	if err != nil {
		return nil, err
	}
	for _, r := range ui.Routes() {
		h := r.Handler
		switch r.Access {
		case console.Read:
			h = auth.require(RoleRead, h)
		case console.Write:
			h = auth.require(RoleWrite, h)
		}
		mux.Handle(r.Pattern, h)
	}
	return ui, nil
}

// closeConsole ends the console's live tails and sampler (Server.Shutdown
// calls it first, so open tails do not hold the shutdown up).
func (h *Handler) closeConsole() {
	if h.ui != nil {
		h.ui.Close()
	}
}
