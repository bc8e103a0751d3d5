package subscriptions

import (
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/messages"
)

// RefOf returns the wire address of pid.
func RefOf(pid *actors.PID) *messages.ActorRef {
	if pid == nil {
		return nil
	}
	return &messages.ActorRef{Address: pid.GetAddress(), Id: pid.GetId()}
}

// PIDOf returns the PID a wire address names (nil for nil or empty).
func PIDOf(r *messages.ActorRef) *actors.PID {
	if r.GetId() == "" {
		return nil
	}
	return &actors.PID{Address: r.GetAddress(), Id: r.GetId()}
}
