package node

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/streams"
	"github.com/actorstore/actorstore/wire"
)

func itoa(i int) string { return strconv.Itoa(i) }

// readReply encodes events until the reply would outgrow MaxMessageBytes
// (always at least one event: one event always fits, see Config.Validate).
func (n *Node) readReply(evs []eventstore.RecordedEvent, truncated bool) proto.Message {
	budget := n.cfg.MaxMessageBytes - envelopeRoom
	out := &messages.ReadResult{Events: make([]*messages.RecordedEvent, 0, len(evs)), Truncated: truncated}
	size := 0
	for i := range evs {
		pe := wire.RecordedEventToProto(&evs[i])
		s := proto.Size(pe) + 8 // tag and length prefix
		if len(out.Events) > 0 && size+s > budget {
			out.Truncated = true
			break
		}
		size += s
		out.Events = append(out.Events, pe)
	}
	return &messages.ReadReply{Outcome: &messages.ReadReply_Result{Result: out}}
}

func (n *Node) status() *messages.NodeStatus {
	var s streams.Stats
	if n.cfg.Engine != nil {
		s = n.cfg.Engine.Stats()
	}
	return &messages.NodeStatus{
		Address:   n.Address(),
		ApiActor:  APIActorName,
		Version:   n.cfg.Version,
		Protocol:  Protocol,
		StoreKind: n.cfg.StoreKind,
		Started:   timestamppb.New(n.started.Truncate(time.Millisecond)),
		Stats: &messages.StoreStats{LiveStreams: s.LiveStreams, Activations: s.Activations,
			Passivations: s.Passivations, Restarts: s.Restarts, CacheHits: s.CacheHits,
			CacheMisses: s.CacheMisses, Batches: s.Batches, BatchedEvents: s.BatchedEvents,
			BatchedRequests: s.BatchedRequests, MaxBatchEvents: s.MaxBatchEvents},
		InFlight:        uint32(n.InFlight()),
		MaxInFlight:     uint32(n.cfg.MaxInFlight),
		MaxMessageBytes: uint64(n.cfg.MaxMessageBytes),
		MaxEventBytes:   uint64(n.cfg.Limits.MaxEventSize),
		RecoveredPanics: uint64(n.remote.RecoveredPanics()),
		Cluster:         n.clusterStatus(),
		Features:        n.features(),
	}
}

// features lists what the node serves beyond protocol actorstore.v1.
func (n *Node) features() []string {
	if n.cfg.NoAppendBatch {
		return nil
	}
	return []string{FeatureAppendBatch}
}
