package node

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// Deleter is the part of the data-plane API that deletes streams
// (*actorstore.Store has it). A node whose Store lacks it answers delete
// requests with ERROR_CODE_INVALID_INPUT.
type Deleter interface {
	Delete(ctx context.Context, r eventstore.DeleteRequest) (eventstore.DeleteResult, error)
}

func (n *Node) deleteJob(m *messages.DeleteStreamRequest) (runFunc, error) {
	r, err := wire.DeleteRequestFromProto(m)
	if err != nil {
		return nil, err
	}
	d, ok := n.store.(Deleter)
	if !ok {
		return nil, &eventstore.InputError{Field: "message", Rule: "supported",
			Message: "this node's store does not delete streams"}
	}
	return func(ctx context.Context) proto.Message {
		res, err := d.Delete(ctx, r)
		if err != nil {
			return failDelete(wire.ErrorToProto(err))
		}
		return &messages.DeleteStreamReply{Outcome: &messages.DeleteStreamReply_Result{Result: wire.DeleteResultToProto(res)}}
	}, nil
}

func failDelete(e *messages.Error) proto.Message {
	return &messages.DeleteStreamReply{Outcome: &messages.DeleteStreamReply_Error{Error: e}}
}

// MetadataStore is the part of the data-plane API that keeps stream
// metadata (*actorstore.Store has it).
type MetadataStore interface {
	SetStreamMetadata(ctx context.Context, r eventstore.MetadataRequest) (eventstore.MetadataResult, error)
	StreamMetadata(ctx context.Context, stream string) (eventstore.MetadataResult, error)
}

func (n *Node) metadataStore() (MetadataStore, error) {
	ms, ok := n.store.(MetadataStore)
	if !ok {
		return nil, &eventstore.InputError{Field: "message", Rule: "supported",
			Message: "this node's store does not keep stream metadata"}
	}
	return ms, nil
}

func (n *Node) setMetadataJob(m *messages.SetStreamMetadataRequest) (runFunc, error) {
	r, err := wire.MetadataRequestFromProto(m)
	if err != nil {
		return nil, err
	}
	ms, err := n.metadataStore()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) proto.Message {
		return metadataReply(ms.SetStreamMetadata(ctx, r))
	}, nil
}

func (n *Node) getMetadataJob(m *messages.GetStreamMetadataRequest) (runFunc, error) {
	if m.GetStream() == "" {
		return nil, required("stream", "stream ID")
	}
	ms, err := n.metadataStore()
	if err != nil {
		return nil, err
	}
	stream := m.GetStream()
	return func(ctx context.Context) proto.Message {
		return metadataReply(ms.StreamMetadata(ctx, stream))
	}, nil
}

func metadataReply(res eventstore.MetadataResult, err error) proto.Message {
	if err != nil {
		return failMetadata(wire.ErrorToProto(err))
	}
	return &messages.StreamMetadataReply{Outcome: &messages.StreamMetadataReply_Result{Result: wire.MetadataResultToProto(res)}}
}

func failMetadata(e *messages.Error) proto.Message {
	return &messages.StreamMetadataReply{Outcome: &messages.StreamMetadataReply_Error{Error: e}}
}

// Forgetter is the part of the data-plane API that forgets
// crypto-shredding subjects (*actorstore.Store has it).
type Forgetter interface {
	Forget(ctx context.Context, subject string) (bool, error)
}

func (n *Node) forgetJob(m *messages.ForgetSubjectRequest) (runFunc, error) {
	subject := m.GetSubject()
	if subject == "" {
		return nil, required("subject", "subject")
	}
	f, ok := n.store.(Forgetter)
	if !ok {
		return nil, &eventstore.InputError{Field: "message", Rule: "supported",
			Message: "this node's store does not forget subjects"}
	}
	return func(ctx context.Context) proto.Message {
		found, err := f.Forget(ctx, subject)
		if err != nil {
			return failForget(wire.ErrorToProto(err))
		}
		return &messages.ForgetSubjectReply{Outcome: &messages.ForgetSubjectReply_Result{
			Result: &messages.ForgetSubjectResult{Subject: subject, Forgotten: found}}}
	}, nil
}

func failForget(e *messages.Error) proto.Message {
	return &messages.ForgetSubjectReply{Outcome: &messages.ForgetSubjectReply_Error{Error: e}}
}
