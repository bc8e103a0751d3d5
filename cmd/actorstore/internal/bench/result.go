package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Report is the outcome of one Run: what `actorstore bench --json` writes.
type Report struct {
	Started   time.Time `json:"started"`
	Target    string    `json:"target"` // embedded, postgres or node
	Machine   Machine   `json:"machine"`
	Config    Settings  `json:"config"`
	Baselines []Result  `json:"baselines,omitempty"`
	Results   []Result  `json:"results"`
	// Notes say what the run could not do as configured (a refused
	// CHECKPOINT).
	Notes []string `json:"notes,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	GOOS    string `json:"goos"`
	GOARCH  string `json:"goarch"`
	CPUs    int    `json:"cpus"`
	CPU     string `json:"cpu,omitempty"` // model name from /proc/cpuinfo
	Go      string `json:"go"`
	Host    string `json:"host,omitempty"`
	LoadAvg string `json:"loadavg,omitempty"` // /proc/loadavg at the start
}

// Settings are the Config values that shape the figures.
type Settings struct {
	Duration      float64 `json:"duration_s"`
	Writers       int     `json:"writers"`
	EventSize     int     `json:"event_size"`
	HotStreams    int     `json:"hot_streams"`
	ReadRatio     float64 `json:"read_ratio"`
	CatchUpEvents int     `json:"catchup_events"`
	PageSize      int     `json:"page_size"`
	Subscribers   int     `json:"subscribers"`
	FanOutWriters int     `json:"fanout_writers"`
	TxStreams     int     `json:"tx_streams"`
	TxPool        int     `json:"tx_pool"`
	TxConns       int     `json:"tx_conns"`
	GrowthEvents  int     `json:"growth_events,omitempty"`
	EventIDs      string  `json:"event_ids,omitempty"`
}

// Result is one scenario or baseline.
type Result struct {
	Name string `json:"name"`
	// Callers is the number of concurrent callers (writers, readers).
	Callers int `json:"callers"`
	// Seconds is the measured phase's wall time.
	Seconds float64 `json:"seconds"`
	// Ops are successful calls; Errors failed ones, FirstError the text of
	// the first failure. A failed call wrote nothing unless it timed out:
	// then its outcome is unknown (it may have committed), and the store
	// may hold more events than the report counts.
	Ops        int64  `json:"ops"`
	Errors     int64  `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Events are the events the scenario wrote (acknowledged) during the
	// measured phase; Preloaded those written before it (catch-up).
	Events    int64 `json:"events_written"`
	Preloaded int64 `json:"events_preloaded,omitempty"`
	// Read are the events read or delivered (catchup: read; fanout: delivered
	// to all subscribers together; mixed: read by the read calls).
	Read int64 `json:"events_read,omitempty"`
	// Rate is the scenario's headline figure in events per second: Read
	// for catchup and fanout, Events otherwise.
	Rate float64 `json:"events_per_s"`
	// Latency of one call (fanout: from the append call to delivery).
	Latency Latency `json:"latency"`
	// CPU is the process's user+system CPU seconds during the phase, and
	// CPUPercent that over wall time (200% is two cores busy).
	CPU        float64 `json:"cpu_s"`
	CPUPercent float64 `json:"cpu_percent"`
	// Ratios of the events written per second to each baseline's Rate
	// (PostgreSQL with baselines; none for the read scenarios catchup and fanout).
	Ratios    map[string]float64 `json:"ratios,omitempty"`
	Samples   []Sample           `json:"samples"`
	Histogram []Bucket           `json:"histogram"`
	Note      string             `json:"note,omitempty"`
	// Checkpointed: the phase started right after a CHECKPOINT of the
	// PostgreSQL server (Config.NoCheckpoint).
	Checkpointed bool `json:"checkpointed,omitempty"`
}

// Latency percentiles in microseconds.
type Latency struct {
	P50Us  int64   `json:"p50_us"`
	P90Us  int64   `json:"p90_us"`
	P99Us  int64   `json:"p99_us"`
	P999Us int64   `json:"p999_us"`
	MaxUs  int64   `json:"max_us"`
	MeanUs float64 `json:"mean_us"`
	N      int64   `json:"n"`
}

// Sample is one interval of a scenario (T: seconds since its start, at
// the interval's end).
type Sample struct {
	T      float64 `json:"t_s"`
	Ops    int64   `json:"ops"`
	Events int64   `json:"events"`
	P50Us  int64   `json:"p50_us"`
	P90Us  int64   `json:"p90_us"`
	P99Us  int64   `json:"p99_us"`
	MaxUs  int64   `json:"max_us"`
}

// Bucket is one bar of the latency histogram: latencies above the
// previous bucket's UpperUs up to this one's.
type Bucket struct {
	UpperUs float64 `json:"le_us"`
	Count   int64   `json:"count"`
}

// WriteJSON writes r as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ReadReport decodes a Report written by WriteJSON.
func ReadReport(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("bench: results are not a bench report: %w", err)
	}
	return &r, nil
}

// WrittenEvents is the number of events all scenarios wrote to the store
// (measured and preloaded; baselines write to their own tables).
func (r *Report) WrittenEvents() int64 {
	var n int64
	for _, res := range r.Results {
		n += res.Events + res.Preloaded
	}
	return n
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func machine() Machine {
	m := Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), Go: runtime.Version()}
	m.Host, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.TrimSpace(string(b))
	}
	return m
}

// Count is the number of latencies recorded (successful calls, or
// deliveries for fanout).
func (l Latency) Count() int64 { return l.N }
