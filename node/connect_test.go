package node_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
	"github.com/actorstore/actorstore/wire"
)

// apiClient is a gRPC client (HTTP/2 without TLS) of testAPI.
func apiClient(opts ...connect.ClientOption) messagesconnect.EventStoreServiceClient {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return messagesconnect.NewEventStoreServiceClient(&http.Client{Transport: tr}, "http://"+testAPI.Address(),
		append([]connect.ClientOption{connect.WithGRPC()}, opts...)...)
}

// connectClient is a Connect-protocol client (protobuf, HTTP/2 without
// TLS) of testAPI: its calls are served by Connect's handler, where
// apiClient's gRPC calls are served by grpc-go's server.
func connectClient() messagesconnect.EventStoreServiceClient {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return messagesconnect.NewEventStoreServiceClient(&http.Client{Transport: tr}, "http://"+testAPI.Address())
}

// callAPI sends one request of the peer protocol through the
// gRPC/Connect API and returns its result or error.
func callAPI(ctx context.Context, c messagesconnect.EventStoreServiceClient, msg proto.Message) (proto.Message, error) {
	unwrap := func(res interface{ Any() any }, err error) (proto.Message, error) {
		if err != nil {
			return nil, err
		}
		return res.Any().(proto.Message), nil
	}
	switch m := msg.(type) {
	case *messages.AppendRequest:
		return unwrap(c.Append(ctx, connect.NewRequest(m)))
	case *messages.TransactRequest:
		return unwrap(c.Transact(ctx, connect.NewRequest(m)))
	case *messages.ReadStreamRequest:
		return unwrap(c.ReadStream(ctx, connect.NewRequest(m)))
	case *messages.ReadAllRequest:
		return unwrap(c.ReadAll(ctx, connect.NewRequest(m)))
	case *messages.HeadRequest:
		return unwrap(c.Head(ctx, connect.NewRequest(m)))
	case *messages.HealthRequest:
		return unwrap(c.Health(ctx, connect.NewRequest(m)))
	case *messages.ExecuteRequest:
		return unwrap(c.Execute(ctx, connect.NewRequest(m)))
	case *messages.StatusRequest:
		return unwrap(c.Status(ctx, connect.NewRequest(m)))
	case *messages.DeleteStreamRequest:
		return unwrap(c.DeleteStream(ctx, connect.NewRequest(m)))
	case *messages.SetStreamMetadataRequest:
		return unwrap(c.SetStreamMetadata(ctx, connect.NewRequest(m)))
	case *messages.GetStreamMetadataRequest:
		return unwrap(c.GetStreamMetadata(ctx, connect.NewRequest(m)))
	case *messages.ForgetSubjectRequest:
		return unwrap(c.ForgetSubject(ctx, connect.NewRequest(m)))
	case *messages.ProjectionStatusRequest:
		return unwrap(c.ProjectionStatus(ctx, connect.NewRequest(m)))
	}
	panic("callAPI: unknown request type")
}

// apiDetail is the actorstore Error in the details of a gRPC/Connect
// error, or nil.
func apiDetail(err error) *messages.Error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if m, ok := v.(*messages.Error); ok {
				return m
			}
		}
	}
	return nil
}

// TestBadInputSameErrorsOverPeerAndConnect sends the same bad requests
// to the API actor (the peer protocol's handler) and through the
// gRPC/Connect API: both answer the same actorstore Error (code, fields,
// stream, versions), the API as the gRPC status code of that code, and a
// Go caller gets back the same typed error. Nothing is written.
func TestBadInputSameErrorsOverPeerAndConnect(t *testing.T) {
	ev := func(typ string) []*messages.EventData { return []*messages.EventData{event(typ, []byte(`{}`))} }
	// A stream at version 1 for the conflicts, and an event ID stored in it.
	taken := event("Placed", []byte(`{}`))
	cx := "cx-" + uuid.NewString()
	localAppendEvents(t, cx, taken)
	badID := event("Ping", []byte(`{}`))
	badID.EventId = []byte{1, 2, 3}
	big := make([]byte, 900<<10) // three fit the event limit, not the 2 MiB message limit
	bigEvents := []*messages.EventData{event("Big", big), event("Big", big), event("Big", big)}
	noStream := &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_NoStream{NoStream: true}}
	exact := func(v uint64) *messages.ExpectedVersion {
		return &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: v}}
	}
	command, err := anypb.New(&messages.HeadRequest{Stream: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// A hard-deleted stream (a tombstone) for STREAM_DELETED.
	gone := "bad-gone-" + uuid.NewString()
	localAppendEvents(t, gone, event("Placed", []byte(`{}`)))
	if r := local(t, &messages.DeleteStreamRequest{Stream: gone, Expected: anyVersion(), Hard: true}); anyReplyError(r) != nil {
		t.Fatalf("hard delete: %v", r)
	}
	cases := []struct {
		name  string
		msg   proto.Message
		code  eventstore.Code
		grpc  connect.Code
		field string // InputError.Field, for INVALID_INPUT
	}{
		{"append without stream", &messages.AppendRequest{Expected: anyVersion(), Events: ev("A")},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "stream"},
		{"append without expected", &messages.AppendRequest{Stream: "bad-s", Events: ev("A")},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "expected"},
		{"append without events", &messages.AppendRequest{Stream: "bad-s", Expected: anyVersion()},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "events"},
		{"append with a 3-byte event ID", appendReq("bad-s", badID),
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "events[0].event_id"},
		{"append without type", appendReq("bad-s", event("", nil)),
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "requests[0].events[0].type"},
		{"transact without parts", &messages.TransactRequest{},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "appends"},
		{"read without limit", &messages.ReadStreamRequest{Stream: "bad-s"},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "limit"},
		{"read with a bad direction", &messages.ReadStreamRequest{Stream: "bad-s", Limit: 1, Direction: 7},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "direction"},
		{"head without stream", &messages.HeadRequest{},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "stream"},
		{"request over the message limit", &messages.AppendRequest{Stream: "bad-big", Expected: anyVersion(), Events: bigEvents},
			eventstore.CodeInvalidInput, connect.CodeResourceExhausted, "request"},
		{"append expecting no stream to an existing one", &messages.AppendRequest{Stream: cx, Expected: noStream, Events: ev("B")},
			eventstore.CodeConcurrency, connect.CodeAborted, ""},
		{"append expecting version 7 at version 1", &messages.AppendRequest{Stream: cx, Expected: exact(7), Events: ev("B")},
			eventstore.CodeConcurrency, connect.CodeAborted, ""},
		{"transact with a conflict", &messages.TransactRequest{Appends: []*messages.StreamAppend{
			{Stream: "bad-tx-" + uuid.NewString(), Expected: anyVersion(), Events: ev("C")},
			{Stream: cx, Expected: exact(3), Events: ev("C")}}},
			eventstore.CodeConcurrency, connect.CodeAborted, ""},
		{"event ID stored in another stream", appendReq("bad-dup-"+uuid.NewString(), taken),
			eventstore.CodeDuplicateEvent, connect.CodeAlreadyExists, ""},
		{"command to an entity kind nobody registered", &messages.ExecuteRequest{Stream: "nokind-1", Command: command},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, ""}, // *UnknownKindError
		{"read of a missing stream", &messages.ReadStreamRequest{Stream: "bad-missing-" + uuid.NewString(), Limit: 5},
			eventstore.CodeStreamNotFound, connect.CodeNotFound, ""},
		{"delete without stream", &messages.DeleteStreamRequest{Expected: anyVersion()},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "stream"},
		{"delete without expected", &messages.DeleteStreamRequest{Stream: "bad-s"},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "expected"},
		{"delete expecting version 7 at version 1", &messages.DeleteStreamRequest{Stream: cx, Expected: exact(7)},
			eventstore.CodeConcurrency, connect.CodeAborted, ""},
		{"delete of a hard-deleted stream", &messages.DeleteStreamRequest{Stream: gone, Expected: anyVersion()},
			eventstore.CodeStreamDeleted, connect.CodeFailedPrecondition, gone},
		{"append to a hard-deleted stream", appendReq(gone, event("Late", []byte(`{}`))),
			eventstore.CodeStreamDeleted, connect.CodeFailedPrecondition, gone},
		{"set metadata without stream", &messages.SetStreamMetadataRequest{Expected: anyVersion()},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "stream"},
		{"set metadata without expected", &messages.SetStreamMetadataRequest{Stream: "bad-s"},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "expected"},
		{"get metadata without stream", &messages.GetStreamMetadataRequest{},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "stream"},
		{"forget without subject", &messages.ForgetSubjectRequest{},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "subject"},
		{"forget on a node without a master key", &messages.ForgetSubjectRequest{Subject: "alice"},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "Encryption"},
		{"status of an unknown projection", &messages.ProjectionStatusRequest{Name: "bad-no-such-projection"},
			eventstore.CodeInvalidInput, connect.CodeInvalidArgument, "-"},
	}
	// gRPC is served by grpc-go's server, Connect by Connect's handler:
	// both give the peer protocol's errors.
	clients := map[string]messagesconnect.EventStoreServiceClient{"grpc": apiClient(), "connect": connectClient()}
	for _, tc := range cases {
		for proto_, client := range clients {
			t.Run(proto_+"/"+tc.name, func(t *testing.T) { checkBadInput(t, client, tc.msg, tc.code, tc.grpc, tc.field, cx) })
		}
	}
	// Nothing was written by any of them.
	for _, s := range []string{"bad-s", "bad-big", cx} {
		md := local(t, &messages.GetStreamMetadataRequest{Stream: s}).(*messages.StreamMetadataReply).GetResult()
		if md.GetVersion() != 0 {
			t.Fatalf("stream %s has metadata version %d", s, md.GetVersion())
		}
	}
	for _, s := range []string{"bad-s", "bad-big"} {
		if h := local(t, &messages.HeadRequest{Stream: s}).(*messages.HeadReply).GetResult(); h.GetVersion() != 0 {
			t.Fatalf("stream %s is at version %d", s, h.GetVersion())
		}
	}
	if h := local(t, &messages.HeadRequest{Stream: cx}).(*messages.HeadReply).GetResult(); h.GetVersion() != 1 {
		t.Fatalf("stream %s is at version %d, want 1", cx, h.GetVersion())
	}
}

// checkTyped checks the fields of the typed error a Go caller gets.
func checkTyped(t *testing.T, err error, field, cx string) {
	t.Helper()
	var ie *eventstore.InputError
	var ce *eventstore.ConcurrencyError
	var de *eventstore.DuplicateEventError
	var ne *eventstore.StreamNotFoundError
	var gone *eventstore.StreamDeletedError
	switch eventstore.CodeOf(err) {
	case eventstore.CodeStreamDeleted: // field names the stream
		if !errors.As(err, &gone) || gone.Stream != field {
			t.Fatalf("want *StreamDeletedError{%s}, got %#v", field, err)
		}
	case eventstore.CodeInvalidInput:
		var uk *eventstore.UnknownKindError
		if field == "-" { // an error of another package: code and message only
			if !strings.Contains(err.Error(), "not found") {
				t.Fatalf("want a not-found input error, got %#v", err)
			}
			return
		}
		if field == "" && !errors.As(err, &uk) {
			t.Fatalf("want *UnknownKindError, got %#v", err)
		}
		if field != "" && (!errors.As(err, &ie) || ie.Field != field) {
			t.Fatalf("want *InputError on %q, got %#v", field, err)
		}
	case eventstore.CodeConcurrency:
		if !errors.As(err, &ce) || ce.Stream != cx || ce.Actual != 1 {
			t.Fatalf("want *ConcurrencyError{%s, actual 1}, got %#v", cx, err)
		}
	case eventstore.CodeDuplicateEvent:
		if !errors.As(err, &de) || de.ExistingStream != cx {
			t.Fatalf("want *DuplicateEventError in %s, got %#v", cx, err)
		}
	case eventstore.CodeStreamNotFound:
		if !errors.As(err, &ne) || !strings.HasPrefix(ne.Stream, "bad-missing-") {
			t.Fatalf("want *StreamNotFoundError, got %#v", err)
		}
	}
}

func withoutTrace(e *messages.Error) *messages.Error {
	c := proto.Clone(e).(*messages.Error)
	c.TraceId = ""
	c.Message = strings.TrimSuffix(c.Message, " [trace "+e.GetTraceId()+"]")
	return c
}

// checkBadInput sends msg, which the peer protocol refuses, through
// client: the API refuses it with the gRPC status grpcCode, the peer
// protocol's Error (without its trace ID) in the details, its code in the
// actorstore-error-code metadata, and a typed error of code and field.
func checkBadInput(t *testing.T, client messagesconnect.EventStoreServiceClient, msg proto.Message,
	code eventstore.Code, grpcCode connect.Code, field, cx string) {
	peerErr := anyReplyError(local(t, msg))
	if peerErr == nil {
		t.Fatal("the peer protocol accepted the request")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callAPI(ctx, client, msg)
	if err == nil {
		t.Fatalf("the API accepted the request: %v", res)
	}
	if got := connect.CodeOf(err); got != grpcCode {
		t.Fatalf("gRPC status %v, want %v (%v)", got, grpcCode, err)
	}
	apiErr := apiDetail(err)
	if apiErr == nil {
		t.Fatalf("no actorstore Error in the status details: %v", err)
	}
	if apiErr.GetTraceId() == "" {
		t.Fatal("the API's error carries no trace ID")
	}
	if !proto.Equal(withoutTrace(peerErr), withoutTrace(apiErr)) {
		t.Fatalf("errors differ:\npeer %v\napi  %v", peerErr, apiErr)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Meta().Get(wire.HeaderErrorCode) != apiErr.GetCode().String() ||
		ce.Meta().Get(wire.HeaderTraceID) != apiErr.GetTraceId() {
		t.Fatalf("metadata %v, want %s and the trace ID", ce.Meta(), apiErr.GetCode())
	}
	typed := wire.ErrorFromConnect(err)
	if eventstore.CodeOf(typed) != code || eventstore.TraceIDOf(typed) != apiErr.GetTraceId() {
		t.Fatalf("typed error %v: code %v, want %v", typed, eventstore.CodeOf(typed), code)
	}
	checkTyped(t, typed, field, cx)
}

func localAppendEvents(t *testing.T, stream string, evs ...*messages.EventData) {
	t.Helper()
	if reply := local(t, appendReq(stream, evs...)); !appendOK(reply, nil) {
		t.Fatalf("local append: %v", reply)
	}
}

// TestOversizedAPIRequestRefusedNodeKeepsServing: a request far over the
// limit is refused by the transport while it is read (ResourceExhausted,
// naming the sizes), one just over it by the node (typed, tested above);
// the node serves the next request on the same connection and others.
func TestOversizedAPIRequestRefusedNodeKeepsServing(t *testing.T) {
	client := apiClient()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	huge := make([]*messages.EventData, 6) // 6 x 900 KiB: over twice the 2 MiB limit
	for i := range huge {
		huge[i] = event("Huge", make([]byte, 900<<10))
	}
	stream := "huge-" + uuid.NewString()
	_, err := client.Append(ctx, connect.NewRequest(appendReq(stream, huge...)))
	if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("oversized request: %v, want ResourceExhausted naming the sizes", err)
	}
	res, err := client.Append(ctx, connect.NewRequest(appendReq(stream, event("Small", []byte(`{}`)))))
	if err != nil || res.Msg.GetLastVersion() != 1 {
		t.Fatalf("append after the refusal: %v, %v", res, err)
	}
	if r := local(t, &messages.HeadRequest{Stream: stream}).(*messages.HeadReply).GetResult(); r.GetVersion() != 1 {
		t.Fatalf("the peer protocol sees version %d, want 1", r.GetVersion())
	}
}

// TestAPIServesGRPCWithGRPCGo: the API's gRPC calls are answered by
// grpc-go's server, its Connect calls by Connect's handler on net/http
// (ADR 0024), and both give the same result. The sign of the server:
// net/http stamps every response with a Date header, grpc-go never does.
func TestAPIServesGRPCWithGRPCGo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream := "servers-" + uuid.NewString()
	localAppend(t, stream)
	head := connect.NewRequest(&messages.HeadRequest{Stream: stream})
	viaGRPC, err := apiClient().Head(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	viaConnect, err := connectClient().Head(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	if viaGRPC.Header().Get("Date") != "" || viaConnect.Header().Get("Date") == "" {
		t.Fatalf("gRPC answered with Date %q (want none: grpc-go), Connect with %q (want one: net/http)",
			viaGRPC.Header().Get("Date"), viaConnect.Header().Get("Date"))
	}
	if !proto.Equal(viaGRPC.Msg, viaConnect.Msg) || viaGRPC.Msg.GetVersion() != 1 {
		t.Fatalf("heads differ: gRPC %v, Connect %v", viaGRPC.Msg, viaConnect.Msg)
	}
}

// TestConnectJSONAppendAndConflict calls the API as curl does: Connect
// with JSON over HTTP/1.1, then reads the conflict's code from the body
// and the header.
func TestConnectJSONAppendAndConflict(t *testing.T) {
	stream := "json-" + uuid.NewString()
	url := "http://" + testAPI.Address() + messagesconnect.EventStoreServiceAppendProcedure
	post := func(eventID string) (*http.Response, string) {
		body := `{"stream":"` + stream + `","expected":{"noStream":true},"events":[{"eventId":"` +
			eventID + `","type":"Placed","contentType":"application/json","data":"eyJ0b3RhbCI6M30="}]}`
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp, b.String()
	}
	id := uuid.New()
	first := base64.StdEncoding.EncodeToString(id[:])
	resp, out := post(first)
	if resp.StatusCode != 200 || !strings.Contains(out, `"lastVersion":"1"`) {
		t.Fatalf("append: %d %s", resp.StatusCode, out)
	}
	// The same event ID again: the original result (idempotent retry).
	if resp, out = post(first); resp.StatusCode != 200 || !strings.Contains(out, `"idempotent":true`) {
		t.Fatalf("retry: %d %s", resp.StatusCode, out)
	}
	// Another event to a stream expected not to exist: a conflict.
	id = uuid.New()
	resp, out = post(base64.StdEncoding.EncodeToString(id[:]))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(out, `"code":"aborted"`) ||
		resp.Header.Get(wire.HeaderErrorCode) != "ERROR_CODE_CONCURRENCY" || resp.Header.Get(wire.HeaderTraceID) == "" {
		t.Fatalf("conflict: %d %v %s", resp.StatusCode, resp.Header, out)
	}
}

// TestConnectSubscribeHistoryThenLive tails one stream through the API:
// its history in order, CaughtUp, then an event appended afterwards.
func TestConnectSubscribeHistoryThenLive(t *testing.T) {
	stream := "tail-" + uuid.NewString()
	for i := 0; i < 3; i++ {
		localAppend(t, stream)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := apiClient().Subscribe(ctx, connect.NewRequest(&messages.TailRequest{Stream: stream, Window: 2}))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	next := func() *messages.TailResponse {
		t.Helper()
		if !sub.Receive() {
			t.Fatalf("stream ended: %v", sub.Err())
		}
		return sub.Msg()
	}
	for v := uint64(1); v <= 3; v++ {
		if e := next().GetEvent(); e.GetStream() != stream || e.GetStreamVersion() != v {
			t.Fatalf("event %d: %v", v, e)
		}
	}
	if cu := next().GetCaughtUp(); cu == nil || cu.GetPosition() == 0 {
		t.Fatal("no CaughtUp after the history")
	}
	localAppend(t, stream)
	if e := next().GetEvent(); e.GetStreamVersion() != 4 {
		t.Fatalf("live event: %v", e)
	}
}

// TestConnectSubscribeBadRequest: a subscription the hub refuses ends the
// call with the typed error.
func TestConnectSubscribeBadRequest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := apiClient().Subscribe(ctx, connect.NewRequest(&messages.TailRequest{Start: 9}))
	if err == nil {
		for sub.Receive() {
		}
		err = sub.Err()
	}
	var ie *eventstore.InputError
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !errors.As(wire.ErrorFromConnect(err), &ie) {
		t.Fatalf("bad start kind: %v, want InvalidArgument with an *InputError", err)
	}
}

// TestConnectTraceparentNamesTheTrace: the trace ID of traceparent is the
// request's trace ID (in its error) and the trace of the node's span.
func TestConnectTraceparentNamesTheTrace(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929b0e0e4736"
	req := connect.NewRequest(&messages.HeadRequest{})
	req.Header().Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	_, err := apiClient().Head(context.Background(), req)
	if got := eventstore.TraceIDOf(wire.ErrorFromConnect(err)); got != traceID {
		t.Fatalf("trace ID %q, want %q (%v)", got, traceID, err)
	}
	stream := "traced-" + uuid.NewString()
	req2 := connect.NewRequest(appendReq(stream, event("Ping", []byte(`{}`))))
	req2.Header().Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if _, err := apiClient().Append(context.Background(), req2); err != nil {
		t.Fatal(err)
	}
	for _, s := range nodeSpans.GetSpans() {
		if s.Name == "actorstore.node.append" && s.SpanContext.TraceID().String() == traceID {
			return
		}
	}
	t.Fatal("no node span in the caller's trace")
}

// anyReplyError is the Error of a reply of any type.
func anyReplyError(reply any) *messages.Error {
	if r, ok := reply.(interface{ GetError() *messages.Error }); ok {
		return r.GetError()
	}
	e, _ := reply.(*messages.Error)
	return e
}

// TestConnectSubscribeSlowReaderBlocksNoAppends: a caller that stops
// reading its subscription while 5 MB of events are appended (more than
// HTTP/2 buffers for it) holds up no append; when it reads again it gets
// every event in order, without a gap (the subscription pauses at its
// window and catches up from the store).
func TestConnectSubscribeSlowReaderBlocksNoAppends(t *testing.T) {
	stream := "slow-" + uuid.NewString()
	localAppend(t, stream)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sub, err := apiClient().Subscribe(ctx, connect.NewRequest(&messages.TailRequest{Stream: stream, Window: 8}))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if !sub.Receive() || sub.Msg().GetEvent().GetStreamVersion() != 1 {
		t.Fatalf("first event: %v %v", sub.Msg(), sub.Err())
	}
	const batches, per = 100, 50
	data := []byte(`{"pad":"` + strings.Repeat("x", 1000) + `"}`)
	for b := 0; b < batches; b++ { // the subscriber reads nothing meanwhile
		evs := make([]*messages.EventData, per)
		for i := range evs {
			evs[i] = event("Big", data)
		}
		localAppendEvents(t, stream, evs...)
	}
	want := uint64(2)
	for want <= 1+batches*per {
		if !sub.Receive() {
			t.Fatalf("stream ended at version %d: %v", want, sub.Err())
		}
		if e := sub.Msg().GetEvent(); e != nil {
			if e.GetStreamVersion() != want {
				t.Fatalf("got version %d, want %d (gap or duplicate)", e.GetStreamVersion(), want)
			}
			want++
		}
	}
}
