package actors

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"

	"github.com/actorstore/actorstore/supervisor"
)

// FailureObserver is told every supervision decision (metrics, tests).
type FailureObserver func(child *PID, reason any, d supervisor.Decision)

// NewSupervisorStrategy adapts a supervisor.Policy into a one-for-one
// protoactor strategy: each failed child is handled alone, by the Decision
// of policy.Decide. A delayed restart keeps the child's mailbox suspended
// (messages wait, none is lost) until the backoff has passed. observe may
// be nil. The strategy is safe for concurrent use.
func NewSupervisorStrategy(policy supervisor.Policy, log zerolog.Logger, observe FailureObserver) Strategy {
	return &policyStrategy{policy: policy.WithDefaults(), log: log, observe: observe}
}

type policyStrategy struct {
	policy  supervisor.Policy
	log     zerolog.Logger
	observe FailureObserver
}

var _ actor.SupervisorStrategy = (*policyStrategy)(nil)

func (s *policyStrategy) HandleFailure(_ *actor.ActorSystem, sup actor.Supervisor, child *PID,
	rs *actor.RestartStatistics, reason any, message any) {
	rs.Fail()
	d := s.policy.Decide(reason, rs.NumberOfFailures(s.policy.Window), rand.Float64())
	s.log.Warn().Str("actor", child.String()).Str("reason", fmt.Sprint(reason)).
		Str("directive", d.Directive.String()).Dur("delay", d.Delay).Msg("actor failed")
	if s.observe != nil {
		s.observe(child, reason, d)
	}
	switch d.Directive {
	case supervisor.Resume:
		sup.ResumeChildren(child)
	case supervisor.Stop:
		sup.StopChildren(child)
	case supervisor.Escalate:
		rs.Reset()
		sup.EscalateFailure(reason, message)
	default:
		restartAfter(sup, child, d.Delay)
	}
}

func restartAfter(sup actor.Supervisor, child *PID, delay time.Duration) {
	if delay <= 0 {
		sup.RestartChildren(child)
		return
	}
	time.AfterFunc(delay, func() { sup.RestartChildren(child) })
}
