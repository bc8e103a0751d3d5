package telemetry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/telemetry/console"
)

// Defaults of Config; a zero field means its default.
const (
	// DefaultAddress is where Start listens: loopback only.
	DefaultAddress = "127.0.0.1:9150"
	// DefaultHealthTimeout bounds the checks of one /readyz request.
	DefaultHealthTimeout = actorstore.DefaultHealthTimeout
)

// Source is the store the endpoints report on, as actorstore.OpenEngine
// returned it: /readyz runs Store.Health, /metrics observes the Engine's
// counters (Register) and exports its synchronous instruments.
type Source struct {
	Store  *actorstore.Store
	Engine *engine.Engine
}

// Config configures NewHandler and Start. The zero Config uses the
// defaults listed on each field.
type Config struct {
	// Address is the host:port Start listens on (default DefaultAddress;
	// port 0 picks a free port, see Server.Address).
	Address string
	// HealthTimeout bounds the checks of one /readyz request (default 2s).
	HealthTimeout time.Duration
	// Logger receives the server's errors. The zero value logs nothing.
	Logger zerolog.Logger
	// Tokens are the bearer tokens the endpoint accepts (Authorization:
	// Bearer <secret>). /metrics needs read; /debug/pprof/ needs admin and
	// is refused to everyone when no token is configured; /healthz and
	// /readyz stay open (probes carry no credentials; they reveal only
	// whether the node works and the names of its checks). With no tokens
	// /metrics is open, as fits the loopback default address.
	Tokens []Token
	// Console, when set, serves the operator console at /ui (package
	// console): its page is open, its data routes need read, its write
	// action write. Store, Engine, Metrics and Logger are filled in from
	// the Source, the endpoint's registry and Logger. Nil: no console.
	Console *console.Config
}

// Validate reports a bad field of c.
func (c Config) Validate() error {
	if c.HealthTimeout < 0 {
		return errors.New("telemetry: HealthTimeout must not be negative")
	}
	for i, t := range c.Tokens {
		if t.Role < RoleRead || t.Role > RoleAdmin || len(t.Secret) < MinTokenLength {
			return fmt.Errorf("telemetry: token %d: want a role (read, write, admin) and a secret of at least %d bytes",
				i, MinTokenLength)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Address == "" {
		c.Address = DefaultAddress
	}
	if c.HealthTimeout == 0 {
		c.HealthTimeout = DefaultHealthTimeout
	}
	return c
}

// Handler serves /healthz, /readyz and /metrics for one store. Close it
// before closing the store.
type Handler struct {
	mux *http.ServeMux
	mp  *sdkmetric.MeterProvider
	reg metric.Registration
	ui  *console.Console // nil without a console

	closeOnce sync.Once
	closeErr  error
}

// NewHandler builds the endpoints for src: a meter provider of its own
// exports src's instruments (see Register) to a private Prometheus
// registry served at /metrics.
func NewHandler(src Source, cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	promReg := prometheus.NewRegistry()
	opts := []otelprom.Option{otelprom.WithRegisterer(promReg)}
	if src.Store == nil || src.Engine == nil {
		return nil, errors.New("telemetry: Source needs the Store and its Engine")
	}
	if p := src.Engine.Metrics; p != nil {
		// The store's synchronous instruments (latency, errors, commits).
		opts = append(opts, otelprom.WithProducer(p))
	}
	exp, err := otelprom.New(opts...)
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "actorstore"))))
	reg, err := Register(mp, src.Engine)
	if err != nil {
		_ = mp.Shutdown(context.Background())
		return nil, err
	}
	h := &Handler{mux: http.NewServeMux(), mp: mp, reg: reg}
	auth := newAuthorizer(cfg.Tokens, cfg.Logger)
	if cfg.Console != nil {
		if h.ui, err = mountConsole(h.mux, auth, src, *cfg.Console, promReg, cfg.Logger); err != nil {
			_ = reg.Unregister()
			_ = mp.Shutdown(context.Background())
			return nil, err
		}
	}
	h.mux.HandleFunc("GET /healthz", alive)
	h.mux.Handle("GET /readyz", ready(src, cfg.HealthTimeout))
	h.mux.Handle("GET /metrics", auth.require(RoleRead, promhttp.HandlerFor(promReg, promhttp.HandlerOpts{})))
	h.mux.Handle("/debug/pprof/", auth.require(RoleAdmin, http.HandlerFunc(pprof.Index)))
	h.mux.Handle("/debug/pprof/profile", auth.require(RoleAdmin, http.HandlerFunc(pprof.Profile)))
	h.mux.Handle("/debug/pprof/trace", auth.require(RoleAdmin, http.HandlerFunc(pprof.Trace)))
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Close stops observing the store and shuts the meter provider down;
// /metrics then serves no store metrics. Safe to call more than once.
func (h *Handler) Close() error {
	h.closeOnce.Do(func() {
		h.closeConsole()
		h.closeErr = errors.Join(h.reg.Unregister(), h.mp.Shutdown(context.Background()))
	})
	return h.closeErr
}

// alive answers /healthz: the process serves HTTP.
func alive(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
}

// ready answers /readyz with the store's HealthReport: 200 when every
// check passed, else 503.
func ready(src Source, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		rep := src.Store.Health(ctx)
		code := http.StatusOK
		if !rep.OK {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, rep)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
