package node_test

import (
	"testing"
	"time"

	"github.com/actorstore/actorstore/messages"
)

func TestMissingFieldsAreInvalidInput(t *testing.T) {
	runPeer(t, "TestPeerMissingFields")
	reply := local(t, &messages.ReadAllRequest{Limit: 10, StreamPrefix: "invalid-"})
	if evs := reply.(*messages.ReadReply).GetResult().GetEvents(); len(evs) != 0 {
		t.Fatalf("invalid requests wrote %d events", len(evs))
	}
}

func TestPeerMissingFields(t *testing.T) {
	p := newPeer(t, actorsDefault())
	badID := event("Ping", []byte(`{}`))
	badID.EventId = []byte{1, 2, 3}
	ev := func() []*messages.EventData { return []*messages.EventData{event("A", nil)} }
	cases := map[string]struct {
		msg   any
		field string
	}{
		"append without stream":   {&messages.AppendRequest{Expected: anyVersion(), Events: ev()}, "stream"},
		"append without expected": {&messages.AppendRequest{Stream: "invalid-s", Events: ev()}, "expected"},
		"append without events":   {&messages.AppendRequest{Stream: "invalid-s", Expected: anyVersion()}, "events"},
		// An expectation whose kind is false says nothing: refused, not read
		// as that kind (the streams are new, so any of these would append).
		"append expecting any false": {&messages.AppendRequest{Stream: "invalid-any", Events: ev(),
			Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{}}}, "expected"},
		"append expecting no_stream false": {&messages.AppendRequest{Stream: "invalid-ns", Events: ev(),
			Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_NoStream{}}}, "expected"},
		"transact expecting stream_exists false": {&messages.TransactRequest{Appends: []*messages.StreamAppend{
			{Stream: "invalid-se", Events: ev(), Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_StreamExists{}}}}},
			"appends[0].expected"},
		"append with nil event":   {&messages.AppendRequest{Stream: "invalid-s", Expected: anyVersion(), Events: []*messages.EventData{nil}}, "events[0].event_id"},
		"append with bad id":      {appendReq("invalid-s", badID), "events[0].event_id"},
		"append without type":     {appendReq("invalid-s", event("", nil)), "requests[0].events[0].type"},
		"transact without parts":  {&messages.TransactRequest{}, "appends"},
		"transact part no stream": {&messages.TransactRequest{Appends: []*messages.StreamAppend{{Expected: anyVersion()}}}, "appends[0].stream"},
		"read without stream":     {&messages.ReadStreamRequest{Limit: 1}, "stream"},
		"read without limit":      {&messages.ReadStreamRequest{Stream: "invalid-s"}, "limit"},
		"read bad direction":      {&messages.ReadStreamRequest{Stream: "invalid-s", Limit: 1, Direction: 7}, "direction"},
		"read all without limit":  {&messages.ReadAllRequest{}, "limit"},
		"head without stream":     {&messages.HeadRequest{}, "stream"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			reply, err := p.request(tc.msg, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			e := replyError(reply)
			if e.GetCode() != messages.ErrorCode_ERROR_CODE_INVALID_INPUT || len(e.GetFields()) == 0 ||
				e.GetFields()[0].GetPath() != tc.field {
				t.Fatalf("reply = %v, want INVALID_INPUT on %q", reply, tc.field)
			}
		})
	}
	req := &messages.AppendRequest{Options: &messages.RequestOptions{TraceId: "trace-42"}, Expected: anyVersion()}
	reply, err := p.request(req, 5*time.Second)
	if err != nil || replyError(reply).GetTraceId() != "trace-42" {
		t.Fatalf("trace ID not in the error reply: %v, %v", reply, err)
	}
}

// replyError is the Error of any reply type.
func replyError(reply any) *messages.Error {
	switch r := reply.(type) {
	case *messages.AppendReply:
		return r.GetError()
	case *messages.TransactReply:
		return r.GetError()
	case *messages.ReadReply:
		return r.GetError()
	case *messages.HeadReply:
		return r.GetError()
	case *messages.StatusReply:
		return r.GetError()
	case *messages.Error:
		return r
	}
	return nil
}
