package bench

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     Config
		field string // "" when valid
	}{
		{"defaults", Config{}, ""},
		{"postgres with baselines", Config{PostgresURL: "postgres://x/y", Baselines: true}, ""},
		{"both targets", Config{PostgresURL: "postgres://x/y", Node: "h:1"}, "target"},
		{"embedded with baselines", Config{Baselines: true}, ""},
		{"node with baselines", Config{Node: "h:1", Baselines: true}, ""},
		{"negative duration", Config{Duration: -time.Second}, "duration"},
		{"negative writers", Config{Writers: -1}, "writers"},
		{"huge events", Config{EventSize: 2 << 20}, "event-size"},
		{"read ratio above 1", Config{ReadRatio: 1.5}, "read-ratio"},
		{"more tx streams than the pool", Config{TxStreams: 20, TxPool: 10}, "tx-streams"},
		{"unknown scenario", Config{Scenarios: []string{"writers", "nope"}}, "scenario"},
		{"growth on the embedded store", Config{Scenarios: []string{"growth"}}, ""},
		{"growth through a node", Config{Node: "h:1", Scenarios: []string{"growth"}}, "scenario"},
		{"negative growth events", Config{GrowthEvents: -1}, "growth-events"},
		{"time-ordered event IDs", Config{EventIDs: "time-ordered"}, ""},
		{"unknown event IDs", Config{EventIDs: "v9"}, "event-ids"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.WithDefaults().Validate()
			var ce *ConfigError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
				t.Fatalf("want *ConfigError on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestRecorderPercentilesSamplesAndBuckets(t *testing.T) {
	r := newRecorder()
	for i := 1; i <= 1000; i++ {
		r.record(time.Duration(i)*time.Microsecond, 2)
	}
	r.fail(errors.New("first"))
	r.fail(errors.New("second"))
	r.sample(time.Now())
	r.record(5*time.Millisecond, 1)
	r.sample(time.Now())
	l := r.latency()
	if l.N != 1001 || l.P50Us < 495 || l.P50Us > 505 || l.MaxUs < 4995 || l.MaxUs > 5005 {
		t.Errorf("latency %+v", l)
	}
	if r.events != 2001 || r.errors != 2 || r.firstErr != "first" {
		t.Errorf("events %d, errors %d, first error %q", r.events, r.errors, r.firstErr)
	}
	if len(r.samples) != 2 || r.samples[0].Ops != 1000 || r.samples[0].Events != 2000 || r.samples[1].Ops != 1 {
		t.Errorf("samples %+v", r.samples)
	}
	var n int64
	prev := 0.0
	for _, b := range r.buckets() {
		if b.UpperUs <= prev {
			t.Errorf("bucket bounds not increasing: %g after %g", b.UpperUs, prev)
		}
		prev, n = b.UpperUs, n+b.Count
	}
	if n != 1001 {
		t.Errorf("buckets hold %d latencies, want 1001", n)
	}
}
