package actors

import (
	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
)

// Lifecycle messages a peer may send over protoactor's remote, by their
// protobuf type names. protoactor hands PoisonPill to the target's mailbox
// and Stop, Watch, Unwatch and Terminated to the target straight as system
// messages, so any peer could stop any actor of the node (the API actor, the
// subscription hub, the stream guardian under its guessable "$n" name) or
// rewire its watches.
var (
	typePoisonPill = string((&actor.PoisonPill{}).ProtoReflect().Descriptor().FullName())
	typeStop       = string((&actor.Stop{}).ProtoReflect().Descriptor().FullName())
	typeWatch      = string((&actor.Watch{}).ProtoReflect().Descriptor().FullName())
	typeUnwatch    = string((&actor.Unwatch{}).ProtoReflect().Descriptor().FullName())
	typeTerminated = string((&actor.Terminated{}).ProtoReflect().Descriptor().FullName())
)

// guardStream wraps protoactor's receiving stream so that the message
// batches of a peer lose, before protoactor sees them, every lifecycle
// message a peer has no right to send:
//
//   - PoisonPill and Stop, to any actor: only the process owner stops the
//     node's actors;
//   - Watch and Unwatch whose watcher is not an actor of the sending peer
//     (the address it announced when it connected): a peer may watch our
//     actors for itself, not add or remove the watches of others;
//   - Terminated about an actor that is not the sending peer's: a peer may
//     report its own actors' ends, not fake the end of ours or a third
//     party's.
//
// Refused messages are dropped, counted (Remote.RefusedMessages) and
// logged; the rest of the batch is delivered. The announced address is
// what the peer says it is: on an open network, mutual TLS (ServerTLS with
// ClientAuth) is what keeps strangers out.
func (rm *Remote) guardStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo,
	handler grpc.StreamHandler) error {
	return handler(srv, &guardedStream{ServerStream: ss, rm: rm})
}

// guardedStream filters what RecvMsg returns; see guardStream.
type guardedStream struct {
	grpc.ServerStream
	rm   *Remote
	peer string // the address the peer announced in its ConnectRequest
}

func (g *guardedStream) RecvMsg(m any) error {
	if err := g.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	msg, ok := m.(*remote.RemoteMessage)
	if !ok {
		return nil
	}
	if sc := msg.GetConnectRequest().GetServerConnection(); sc != nil {
		g.peer = sc.GetAddress()
	}
	if b := msg.GetMessageBatch(); b != nil {
		g.filter(b)
	}
	return nil
}

// filter removes the refused envelopes of b in place.
func (g *guardedStream) filter(b *remote.MessageBatch) {
	kept := b.Envelopes[:0]
	for _, env := range b.Envelopes {
		if reason := g.refuse(b, env); reason != "" {
			g.rm.refused.Add(1)
			g.rm.cfg.Logger.Warn().Str("peer", g.peer).Str("reason", reason).
				Str("target", targetID(b, env)).Msg("remote: refused a lifecycle message from a peer")
			continue
		}
		kept = append(kept, env)
	}
	b.Envelopes = kept
}

// refuse says why env must not be delivered, or "" to deliver it. Envelopes
// protoactor cannot decode are left to it (it closes the connection).
func (g *guardedStream) refuse(b *remote.MessageBatch, env *remote.MessageEnvelope) string {
	if env == nil || env.TypeId < 0 || int(env.TypeId) >= len(b.TypeNames) {
		return ""
	}
	switch name := b.TypeNames[env.TypeId]; name {
	case typePoisonPill, typeStop:
		return name + " from a peer"
	case typeWatch, typeUnwatch, typeTerminated:
		msg, err := remote.Deserialize(env.MessageData, name, env.SerializerId)
		if err != nil {
			return name + " that does not decode"
		}
		var owner *actor.PID
		switch m := msg.(type) {
		case *actor.Watch:
			owner = m.Watcher
		case *actor.Unwatch:
			owner = m.Watcher
		case *actor.Terminated:
			owner = m.Who
		}
		if owner == nil || g.peer == "" || owner.Address != g.peer || owner.Address == g.rm.Address() {
			return name + " about an actor that is not the peer's own"
		}
	}
	return ""
}

func targetID(b *remote.MessageBatch, env *remote.MessageEnvelope) string {
	if env.Target >= 0 && int(env.Target) < len(b.Targets) {
		return b.Targets[env.Target].GetId()
	}
	return ""
}

// RefusedMessages counts lifecycle messages from peers that the remote
// endpoint dropped (see guardStream).
func (rm *Remote) RefusedMessages() int64 { return rm.refused.Load() }
