package node

import (
	"time"

	"github.com/actorstore/actorstore/messages"
)

// HealthCheck is the outcome of one readiness check, as Config.Health
// reports it (the fields of actorstore.HealthCheck).
type HealthCheck struct {
	Name     string
	OK       bool
	Error    string // never a secret
	Duration time.Duration
}

// healthProto is the wire form of a readiness report: ready when every
// check passed.
func healthProto(checks []HealthCheck) *messages.HealthReport {
	m := &messages.HealthReport{Ok: true, Checks: make([]*messages.HealthCheck, len(checks))}
	for i, c := range checks {
		m.Ok = m.Ok && c.OK
		m.Checks[i] = &messages.HealthCheck{Name: c.Name, Ok: c.OK, Error: c.Error,
			DurationNs: uint64(max(c.Duration, 0))}
	}
	return m
}
