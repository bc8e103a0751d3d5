package console

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/internal/engine"
	"github.com/actorstore/actorstore/persistence"
)

//go:embed static
var static embed.FS

// Defaults of Config.
const (
	// DefaultMaxTails live tails run at once; more are refused (503).
	DefaultMaxTails = 16
	// DefaultPageSize is the page of streams and events the console asks
	// for when the request names none.
	DefaultPageSize = 50
	// maxEventPage bounds a page of events.
	maxEventPage = 500
)

// Config configures the console. Store and Engine are required.
type Config struct {
	Store  *actorstore.Store
	Engine *engine.Engine
	// Cluster reports the cluster membership; nil on a single node.
	Cluster func() ClusterInfo
	// Owner names the node (host:port) that owns a stream; nil: this node.
	Owner func(ctx context.Context, stream string) (string, error)
	// Self is this node's peer address, shown as the owner when Owner is nil.
	Self string
	// Write allows the console's write actions (append, delete a stream);
	// default read-only.
	Write bool
	// MaxTails bounds the live tails at once (default DefaultMaxTails).
	MaxTails int
	// Metrics is the registry the node's /metrics serves; the charts
	// sample it. Nil: no charts.
	Metrics prometheus.Gatherer
	// Logger receives the write actions and errors.
	Logger zerolog.Logger
}

// ClusterInfo is what the console shows of the cluster.
type ClusterInfo struct {
	Name    string   `json:"name"`
	Self    string   `json:"self"`
	Members []string `json:"members"`
	Joined  bool     `json:"joined"`
}

// Console serves the console's routes (see Routes).
type Console struct {
	cfg     Config
	lister  persistence.StreamLister
	tails   chan struct{} // a slot per live tail
	sampler *sampler
	// life ends at Close: live tails and the sampler stop.
	life   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// New builds the console for cfg.
func New(cfg Config) (*Console, error) {
	if cfg.Store == nil || cfg.Engine == nil {
		return nil, errors.New("console: Config needs the Store and its Engine")
	}
	if cfg.MaxTails <= 0 {
		cfg.MaxTails = DefaultMaxTails
	}
	lister, ok := cfg.Engine.DB.(persistence.StreamLister)
	if !ok {
		return nil, errors.New("console: the store cannot list streams")
	}
	life, cancel := context.WithCancel(context.Background())
	c := &Console{cfg: cfg, lister: lister, tails: make(chan struct{}, cfg.MaxTails), life: life, cancel: cancel}
	if cfg.Metrics != nil {
		c.sampler = newSampler(cfg.Metrics, 2*time.Second, 150)
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.sampler.run(life) }()
	}
	return c, nil
}

// Close stops the sampler and ends the live tails. Safe to call more than
// once.
func (c *Console) Close() {
	c.once.Do(func() {
		c.cancel()
		c.wg.Wait()
	})
}

// Access is the role a route needs on the admin endpoint.
type Access int

// Access levels, in the order of the admin endpoint's roles.
const (
	Open Access = iota
	Read
	Write
)

// Route is one route of the console for an http.ServeMux.
type Route struct {
	Pattern string
	Access  Access
	Handler http.Handler
}

// Routes are the console's routes under /ui.
func (c *Console) Routes() []Route {
	files, _ := fs.Sub(static, "static")
	assets := http.StripPrefix("/ui/", http.FileServerFS(files))
	rs := []Route{
		{"GET /ui", Open, http.RedirectHandler("/ui/", http.StatusMovedPermanently)},
		{"GET /ui/", Open, noCache(assets)},
		{"GET /ui/api/streams", Read, http.HandlerFunc(c.streams)},
		{"GET /ui/api/stream", Read, http.HandlerFunc(c.stream)},
		{"GET /ui/api/tail", Read, http.HandlerFunc(c.tail)},
		{"GET /ui/api/subscriptions", Read, http.HandlerFunc(c.subscriptions)},
		{"GET /ui/api/parked", Read, http.HandlerFunc(c.parked)},
		{"GET /ui/api/cluster", Read, http.HandlerFunc(c.cluster)},
		{"GET /ui/api/charts", Read, http.HandlerFunc(c.charts)},
		{"GET /ui/api/config", Read, http.HandlerFunc(c.config)},
		{"GET /ui/api/projections", Read, http.HandlerFunc(c.projections)},
		{"GET /ui/api/projection-parked", Read, http.HandlerFunc(c.projectionParked)},
	}
	if c.cfg.Write {
		rs = append(rs, Route{"POST /ui/api/append", Write, http.HandlerFunc(c.appendEvent)},
			Route{"POST /ui/api/delete", Write, http.HandlerFunc(c.deleteStream)},
			Route{"POST /ui/api/projection-parked", Write, http.HandlerFunc(c.resolveParked)})
	}
	return rs
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
