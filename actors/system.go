package actors

import (
	"errors"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/rs/zerolog"
)

// DefaultRequestTimeout bounds a Request whose context has no deadline.
const DefaultRequestTimeout = 5 * time.Second

// Config configures an actor system. The zero value is valid.
type Config struct {
	// Logger receives protoactor's logs. Default zerolog.Nop().
	Logger *zerolog.Logger
	// RequestTimeout is used by Request when ctx has no deadline. Default
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// DeadLetterLogging logs requests to dead actors (noisy under load).
	// Default false.
	DeadLetterLogging bool
}

// Validate reports a bad field.
func (c Config) Validate() error {
	if c.RequestTimeout < 0 {
		return errors.New("actors: RequestTimeout must not be negative")
	}
	return nil
}

// System is a running actor system. It is safe for concurrent use.
type System struct {
	as             *actor.ActorSystem
	root           *actor.RootContext
	log            zerolog.Logger
	requestTimeout time.Duration
	vital          vitals     // MarkVital, CheckVital (vital.go)
	replies        replySlots // reused by Request (reply.go)
}

// NewSystem starts an actor system. Call Shutdown when done.
func NewSystem(cfg Config) (*System, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := zerolog.Nop()
	if cfg.Logger != nil {
		log = *cfg.Logger
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	as := actor.NewActorSystem(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return newSlogLogger(log) }),
		actor.WithDeadLetterRequestLogging(cfg.DeadLetterLogging),
		// The throttle of dead-letter logs runs a goroutine per period; a short
		// period keeps it from outliving a shut-down system for long.
		actor.WithDeadLetterThrottleInterval(100*time.Millisecond),
	)
	return &System{as: as, root: as.Root, log: log, requestTimeout: cfg.RequestTimeout,
		replies: newReplySlots()}, nil
}

// Logger returns the system's logger.
func (s *System) Logger() zerolog.Logger { return s.log }

// Spawn starts a top-level actor (supervised by protoactor's default
// strategy; give it children supervised by NewSupervisorStrategy).
func (s *System) Spawn(p *Props) *PID { return s.root.Spawn(p) }

// SpawnNamed starts a top-level actor under a unique name.
func (s *System) SpawnNamed(p *Props, name string) (*PID, error) {
	return s.root.SpawnNamed(p, name)
}

// Send delivers msg to pid without a sender.
func (s *System) Send(pid *PID, msg any) { s.root.Send(pid, msg) }

// SendFrom delivers msg to pid with sender as the sender, so that the
// receiver's reply goes to sender.
func (s *System) SendFrom(pid *PID, msg any, sender *PID) {
	s.root.RequestWithCustomSender(pid, msg, sender)
}

// Stop stops pid at once (before the messages in its mailbox) and returns
// without waiting.
func (s *System) Stop(pid *PID) { s.root.Stop(pid) }

// PoisonAsync stops pid after the messages already in its mailbox and
// returns without waiting (see Poison).
func (s *System) PoisonAsync(pid *PID) { s.root.Poison(pid) }

// Shutdown stops the system. Actors should be stopped before.
func (s *System) Shutdown() { s.as.Shutdown() }
