package supervisor

import "time"

// Directive is what a supervisor does with a failed child.
type Directive uint8

const (
	// Restart replaces the child with a fresh instance; its mailbox and PID survive.
	Restart Directive = iota
	// Resume keeps the child's state and continues with the next message.
	Resume
	// Stop stops the child for good.
	Stop
	// Escalate fails the supervisor itself, handing the decision to its parent.
	Escalate
)

func (d Directive) String() string {
	switch d {
	case Restart:
		return "restart"
	case Resume:
		return "resume"
	case Stop:
		return "stop"
	case Escalate:
		return "escalate"
	default:
		return "unknown"
	}
}

// Decision is a Directive with the delay to wait before applying it (only
// Restart is ever delayed).
type Decision struct {
	Directive Directive
	Delay     time.Duration
}
