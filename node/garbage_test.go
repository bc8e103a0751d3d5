package node_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
)

// unregistered returns a protobuf message whose type no binary registers:
// protoactor's receiver cannot find it and, unguarded, crashes the process.
func unregistered(t *testing.T) proto.Message {
	t.Helper()
	fd := &descriptorpb.FileDescriptorProto{
		Name: proto.String("garbage.proto"), Package: proto.String("garbage"), Syntax: proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("Garbage"),
			Field: []*descriptorpb.FieldDescriptorProto{{Name: proto.String("x"), Number: proto.Int32(1),
				Type:  descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(),
				Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String("x")}}}},
	}
	f, err := protodesc.NewFile(fd, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := dynamicpb.NewMessage(f.Messages().Get(0))
	m.Set(f.Messages().Get(0).Fields().Get(0), protoreflectString("boom"))
	return m
}

func TestUnknownProtobufTypeGetsAnErrorReply(t *testing.T) { runPeer(t, "TestPeerUnknownType") }

func TestPeerUnknownType(t *testing.T) {
	p := newPeer(t, actorsDefault())
	reply, err := p.request(wrapperspb.String("hello"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := reply.(*messages.Error); !ok || e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT {
		t.Fatalf("reply = %T %v, want *messages.Error INVALID_INPUT", reply, reply)
	}
	p.mustAppend(t, "after-unknown")
}

func TestUnregisteredTypeClosesOnlyThatConnection(t *testing.T) {
	before := testNode.Remote().RecoveredPanics()
	runPeer(t, "TestPeerUnregisteredType")
	if got := testNode.Remote().RecoveredPanics() - before; got != 1 {
		t.Fatalf("recovered panics = %d, want 1", got)
	}
	if st := local(t, &messages.StatusRequest{}).(*messages.StatusReply).GetResult(); st.GetRecoveredPanics() < 1 {
		t.Fatalf("status does not count the recovered panic: %v", st)
	}
	localAppend(t, "after-unregistered")
	runPeer(t, "TestPeerAppends")
}

func TestPeerUnregisteredType(t *testing.T) {
	p := newPeer(t, actorsDefault())
	p.mustAppend(t, "before-unregistered")
	_, err := p.request(unregistered(t), time.Second)
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a timeout (the connection is closed, no reply)", err)
	}
	p.eventuallyAppends(t, "same-peer-after-unregistered")
}

func TestPlainGoStructIsDropped(t *testing.T) {
	runPeer(t, "TestPeerPlainGoStruct")
	// Locally a plain struct does arrive: it is answered with an error.
	if e, ok := local(t, struct{ Stream string }{"x"}).(*messages.Error); !ok ||
		e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT {
		t.Fatalf("local plain struct: reply = %v", e)
	}
}

func TestPeerPlainGoStruct(t *testing.T) {
	p := newPeer(t, actorsDefault())
	type notProto struct{ Stream string }
	_, err := p.request(&notProto{Stream: "x"}, 500*time.Millisecond)
	var te *eventstore.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a timeout (only protobuf crosses processes)", err)
	}
	p.mustAppend(t, "after-struct")
}

// TestOversizeMessages: the test node takes 2 MiB messages, 2 per frame.
func TestOversizeMessages(t *testing.T) {
	runPeer(t, "TestPeerOversize")
	localAppend(t, "after-oversize")
	reply := local(t, &messages.ReadStreamRequest{Stream: "big", Limit: 10})
	if e := replyError(reply); e.GetCode() != messages.ErrorCode_ERROR_CODE_STREAM_NOT_FOUND {
		t.Fatalf("the oversize appends wrote something: %v", reply)
	}
}

func TestPeerOversize(t *testing.T) {
	p := newPeer(t, actors.RemoteConfig{MaxMessageBytes: 16 << 20}) // lets itself send much more
	big := func(events int) *messages.AppendRequest {
		evs := make([]*messages.EventData, events)
		for i := range evs {
			evs[i] = event("Big", make([]byte, 1_000_000))
		}
		return appendReq("big", evs...)
	}
	// Over the message limit, under the frame limit: refused by the node.
	reply, err := p.request(big(3), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if e := replyError(reply); e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT || e.GetFields()[0].GetRule() != "max_size" {
		t.Fatalf("3 MB append: reply = %v", e)
	}
	// Over the frame limit: gRPC refuses it and closes the connection.
	if _, err := p.request(big(6), time.Second); err == nil {
		t.Fatal("6 MB append: want no reply")
	}
	p.eventuallyAppends(t, "same-peer-after-oversize")
}
