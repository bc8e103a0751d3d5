package node

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/projections"
	"github.com/actorstore/actorstore/wire"
)

// ProjectionStatuser is the part of the data-plane API that reports
// projections' status (*actorstore.Store has it: projections.StatusOf on
// its database). A node whose Store lacks it answers
// ProjectionStatusRequest with ERROR_CODE_INVALID_INPUT.
type ProjectionStatuser interface {
	ProjectionStatus(ctx context.Context, name string) ([]projections.Status, error)
}

func (n *Node) projectionStatusJob(m *messages.ProjectionStatusRequest) (runFunc, error) {
	ps, ok := n.store.(ProjectionStatuser)
	if !ok {
		return nil, &eventstore.InputError{Field: "message", Rule: "supported",
			Message: "this node's store does not report projections"}
	}
	name := m.GetName()
	return func(ctx context.Context) proto.Message {
		st, err := ps.ProjectionStatus(ctx, name)
		if err != nil {
			return failProjectionStatus(wire.ErrorToProto(err))
		}
		return &messages.ProjectionStatusReply{Outcome: &messages.ProjectionStatusReply_Result{
			Result: ProjectionStatusToProto(st)}}
	}, nil
}

func failProjectionStatus(e *messages.Error) proto.Message {
	return &messages.ProjectionStatusReply{Outcome: &messages.ProjectionStatusReply_Error{Error: e}}
}

// ProjectionStatusToProto is the wire form of projections.StatusOf's answer.
func ProjectionStatusToProto(st []projections.Status) *messages.ProjectionStatusResult {
	out := &messages.ProjectionStatusResult{Projections: make([]*messages.ProjectionStatus, len(st))}
	for i, s := range st {
		p := &messages.ProjectionStatus{Name: s.Name, Version: uint32(s.Version), Partitions: uint32(s.Partitions),
			Live: s.Live, CaughtUp: s.CaughtUp, State: s.State, LastError: s.LastError,
			Position: uint64(s.Position), Head: uint64(s.Head), LagEvents: s.LagEvents, LagSeconds: s.LagSeconds,
			Handled: s.Handled, Parked: uint32(s.Parked), UpdatedAtMs: unixMilli(s.UpdatedAt)}
		for _, part := range s.Parts {
			p.Parts = append(p.Parts, &messages.ProjectionPartition{Partition: uint32(part.Partition),
				Position: uint64(part.Position), Handled: part.Handled, CaughtUp: part.CaughtUp,
				Owner: part.Owner, Owned: part.Owned, LeaseExpiresMs: unixMilli(part.LeaseExpires)})
		}
		out.Projections[i] = p
	}
	return out
}

// unixMilli is t in Unix milliseconds, 0 for the zero time.
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
