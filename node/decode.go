package node

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// failFunc wraps an Error in the reply type the sender of a request waits for.
type failFunc func(*messages.Error) proto.Message

// decode turns a peer's message into a job, checking what the store would
// not (required fields, enum values) so that a malformed request is
// answered with ERROR_CODE_INVALID_INPUT before any I/O. The error carries
// the request's trace ID. In a cluster (and unless local), appends and
// stream reads are routed to the stream's owner (see cluster.go).
func (n *Node) decode(msg any, local bool) (job, failFunc, error) {
	var (
		j    job
		fail failFunc
		err  error
	)
	switch m := msg.(type) {
	case *messages.AppendRequest:
		j.name = "append"
		fail, j.opts = failAppend, m.GetOptions()
		j.run, err = n.appendJob(m)
	case *messages.TransactRequest:
		j.name = "transact"
		fail, j.opts = failTransact, m.GetOptions()
		j.run, err = n.transactJob(m)
	case *messages.ReadStreamRequest:
		j.name = "read_stream"
		fail, j.opts = failRead, m.GetOptions()
		j.run, err = n.readStreamJob(m)
	case *messages.ReadAllRequest:
		j.name = "read_all"
		fail, j.opts = failRead, m.GetOptions()
		j.run, err = n.readAllJob(m)
	case *messages.HeadRequest:
		j.name = "head"
		fail, j.opts = failHead, m.GetOptions()
		j.run, err = n.headJob(m)
	case *messages.DeleteStreamRequest:
		j.name = "delete"
		fail, j.opts = failDelete, m.GetOptions()
		j.run, err = n.deleteJob(m)
	case *messages.ForgetSubjectRequest:
		j.name = "forget"
		fail, j.opts = failForget, m.GetOptions()
		j.run, err = n.forgetJob(m)
	case *messages.SetStreamMetadataRequest:
		j.name = "set_metadata"
		fail, j.opts = failMetadata, m.GetOptions()
		j.run, err = n.setMetadataJob(m)
	case *messages.GetStreamMetadataRequest:
		j.name = "get_metadata"
		fail, j.opts = failMetadata, m.GetOptions()
		j.run, err = n.getMetadataJob(m)
	case *messages.ProjectionStatusRequest:
		j.name = "projection_status"
		fail, j.opts = failProjectionStatus, m.GetOptions()
		j.run, err = n.projectionStatusJob(m)
	case *messages.ExecuteRequest:
		j.name = "execute"
		fail, j.opts = failExecute, m.GetOptions()
		j.run, err = n.executeJob(m)
	case *messages.HealthRequest:
		j.name = "health"
		fail, j.opts = failHealth, m.GetOptions()
		j.run = n.healthJob()
	default:
		j.name = "unknown"
		return j, failRaw, &eventstore.InputError{Field: "message", Rule: "type",
			Message: fmt.Sprintf("unsupported message type %T", msg)}
	}
	if err == nil {
		err = n.checkSize(msg.(proto.Message))
	}
	if err == nil && n.cluster != nil {
		j.run = n.clustered(msg.(proto.Message), j.run, fail, local)
	}
	return j, fail, err
}

// checkSize refuses a request larger than MaxMessageBytes: the transport
// accepts frames of several messages, so a single message over the limit
// can arrive, but is not served (replies to it could not be bounded).
//
// An append is measured exactly only when a bound summed from its field
// lengths (wire.AppendSizeBound, never below the size) passes the limit:
// proto.Size walked every append of a batch (~1.4% of a node's CPU under
// 256 callers).
func (n *Node) checkSize(m proto.Message) error {
	if a, ok := m.(*messages.AppendRequest); ok && wire.AppendSizeBound(a) <= n.cfg.MaxMessageBytes {
		return nil
	}
	if size := proto.Size(m); size > n.cfg.MaxMessageBytes {
		return &eventstore.InputError{Field: "request", Rule: "max_size",
			Message: fmt.Sprintf("request is %d bytes, the limit is %d", size, n.cfg.MaxMessageBytes)}
	}
	return nil
}

func failAppend(e *messages.Error) proto.Message {
	return &messages.AppendReply{Outcome: &messages.AppendReply_Error{Error: e}}
}

func failTransact(e *messages.Error) proto.Message {
	return &messages.TransactReply{Outcome: &messages.TransactReply_Error{Error: e}}
}

func failRead(e *messages.Error) proto.Message {
	return &messages.ReadReply{Outcome: &messages.ReadReply_Error{Error: e}}
}

func failHead(e *messages.Error) proto.Message {
	return &messages.HeadReply{Outcome: &messages.HeadReply_Error{Error: e}}
}

func failHealth(e *messages.Error) proto.Message {
	return &messages.HealthReply{Outcome: &messages.HealthReply_Error{Error: e}}
}

// failRaw answers a message of unknown type: its reply type is unknown too.
func failRaw(e *messages.Error) proto.Message { return e }

func required(field, what string) error {
	return &eventstore.InputError{Field: field, Rule: "required", Message: what + " is missing"}
}

// readLimit checks a read's limit and caps it at maxReadEvents.
func readLimit(limit uint32) (int, error) {
	if err := eventstore.ValidateLimit(int(limit)); err != nil {
		return 0, err
	}
	return min(int(limit), maxReadEvents), nil
}
