package actors

import (
	"github.com/asynkron/protoactor-go/remote"
)

// OnEndpointTerminated calls fn with a peer's address whenever the
// connection to that peer is lost, refused after protoactor's connect
// retries, or closed by the peer. fn runs on the publisher's goroutine and
// must not block. protoactor reconnects on the next message to the peer.
// The returned function unsubscribes.
func (rm *Remote) OnEndpointTerminated(fn func(address string)) (unsubscribe func()) {
	sub := rm.sys.as.EventStream.Subscribe(func(evt any) {
		if e, ok := evt.(*remote.EndpointTerminatedEvent); ok {
			fn(e.Address)
		}
	})
	return func() { rm.sys.as.EventStream.Unsubscribe(sub) }
}
