package streams

import (
	"context"
	"fmt"

	"github.com/actorstore/actorstore/eventstore"
)

// RemoteCodec turns the commands that peers send to an entity kind into
// the kind's command values, and its replies back into bytes. A command
// and a reply travel as a type name and bytes (a google.protobuf.Any's
// type URL and value on the wire); this package does not know their
// encoding.
type RemoteCodec struct {
	// DecodeCommand returns the command typeURL and b encode, or an error
	// when the kind takes no command of that type or b is not one.
	DecodeCommand func(typeURL string, b []byte) (any, error)
	// EncodeReply encodes a handler's reply ("" and nil for no reply).
	EncodeReply func(reply any) (typeURL string, b []byte, err error)
}

// EncodedReply is what ExecuteEncoded returns: the encoded reply and the
// command's append result (zero when it appended nothing).
type EncodedReply struct {
	TypeURL string
	Value   []byte
	Append  eventstore.AppendResult
}

// ExecuteEncoded is Execute for a command that arrived encoded (from a
// peer): the kind owning stream decodes it with its RemoteCodec, runs it
// like Execute, and encodes the reply. Errors, besides Execute's:
// *eventstore.UnknownKindError when no kind owns stream, and
// *eventstore.InputError (field "command") when the kind takes no commands
// from peers or cannot decode this one; a reply that cannot be encoded is
// an *eventstore.EntityError (op "encode reply"), after the command's
// events were committed.
func (n *Runtime) ExecuteEncoded(ctx context.Context, stream, typeURL string, b []byte) (EncodedReply, error) {
	ctx, op := n.startExecute(ctx, stream, func() string { return typeURL })
	r, err := n.executeEncoded(ctx, stream, typeURL, b)
	return r, op.End(ctx, err)
}

func (n *Runtime) executeEncoded(ctx context.Context, stream, typeURL string, b []byte) (EncodedReply, error) {
	if err := n.sh.cfg.Limits.ValidateStreamID("stream", stream); err != nil {
		return EncodedReply{}, err
	}
	kind := n.sh.kinds.owner(stream)
	if kind == nil {
		return EncodedReply{}, &eventstore.UnknownKindError{Stream: stream}
	}
	if kind.Remote == nil {
		return EncodedReply{}, &eventstore.InputError{Stream: stream, Field: "command", Rule: "remote",
			Message: fmt.Sprintf("entity kind %q takes no commands from peers (it was registered without a remote codec)", kind.Name)}
	}
	cmd, err := decodeCommand(kind.Remote, typeURL, b)
	if err != nil {
		return EncodedReply{}, &eventstore.InputError{Stream: stream, Field: "command", Rule: "type",
			Message: fmt.Sprintf("entity kind %q cannot take a command of type %q: %v", kind.Name, typeURL, err)}
	}
	res, err := n.execute(ctx, stream, cmd, false)
	if err != nil {
		return EncodedReply{}, err
	}
	out := EncodedReply{Append: res.Append}
	if out.TypeURL, out.Value, err = encodeReply(kind.Remote, res.Reply); err != nil {
		return EncodedReply{}, &eventstore.EntityError{Stream: stream, Command: cmdType(cmd), Op: "encode reply",
			Written: res.Append.LastPosition > 0, Err: err}
	}
	return out, nil
}

// decodeCommand and encodeReply run the user's codec; a panic in it is an
// error of the command, not of the node.
func decodeCommand(c *RemoteCodec, typeURL string, b []byte) (cmd any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	return c.DecodeCommand(typeURL, b)
}

func encodeReply(c *RemoteCodec, reply any) (typeURL string, b []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	return c.EncodeReply(reply)
}
