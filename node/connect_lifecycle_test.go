package node_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/actorstore/actorstore"
	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
	"github.com/actorstore/actorstore/node"
	"github.com/actorstore/actorstore/wire"
)

// TestConnectStreamMetadata sets a stream's retention through the API and
// reads it back through the API and the peer protocol (the same answer);
// a read then starts at truncate_before; a second write expecting the old
// metadata version is a conflict on "$$<stream>".
func TestConnectStreamMetadata(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := apiClient()
	stream := "meta-" + uuid.NewString()
	for i := 0; i < 3; i++ {
		localAppend(t, stream)
	}
	noStream := &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_NoStream{NoStream: true}}
	set, err := c.SetStreamMetadata(ctx, connect.NewRequest(&messages.SetStreamMetadataRequest{Stream: stream,
		Expected: noStream, Metadata: &messages.StreamMetadata{TruncateBefore: 2, MaxCount: 10}}))
	if err != nil || set.Msg.GetVersion() != 1 || set.Msg.GetMetadata().GetTruncateBefore() != 2 {
		t.Fatalf("set: %v, %v", set, err)
	}
	got, err := c.GetStreamMetadata(ctx, connect.NewRequest(&messages.GetStreamMetadataRequest{Stream: stream}))
	if err != nil {
		t.Fatal(err)
	}
	peer := local(t, &messages.GetStreamMetadataRequest{Stream: stream}).(*messages.StreamMetadataReply).GetResult()
	if !proto.Equal(got.Msg, peer) || got.Msg.GetMetadata().GetMaxCount() != 10 || got.Msg.GetVersion() != 1 {
		t.Fatalf("API %v, peer %v", got.Msg, peer)
	}
	read, err := c.ReadStream(ctx, connect.NewRequest(&messages.ReadStreamRequest{Stream: stream, Limit: 10}))
	if err != nil || len(read.Msg.GetEvents()) != 2 || read.Msg.GetEvents()[0].GetStreamVersion() != 2 {
		t.Fatalf("read after truncate_before 2: %v, %v", read, err)
	}
	_, err = c.SetStreamMetadata(ctx, connect.NewRequest(&messages.SetStreamMetadataRequest{Stream: stream,
		Expected: noStream, Metadata: &messages.StreamMetadata{}}))
	var ce *eventstore.ConcurrencyError
	if connect.CodeOf(err) != connect.CodeAborted || !errors.As(wire.ErrorFromConnect(err), &ce) || ce.Stream != "$$"+stream {
		t.Fatalf("second set expecting no metadata: %v", err)
	}
}

// TestConnectDeleteStream: a soft delete through the API hides the
// stream's events from the peer protocol's reads; a hard delete leaves a
// tombstone that refuses a later append over both doors.
func TestConnectDeleteStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := apiClient()
	soft := "del-soft-" + uuid.NewString()
	localAppend(t, soft)
	localAppend(t, soft)
	res, err := c.DeleteStream(ctx, connect.NewRequest(&messages.DeleteStreamRequest{Stream: soft,
		Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Exact{Exact: 2}}}))
	if err != nil || res.Msg.GetVersion() != 2 || res.Msg.GetHard() || res.Msg.GetStream() != soft {
		t.Fatalf("soft delete: %v, %v", res, err)
	}
	rr := local(t, &messages.ReadStreamRequest{Stream: soft, Limit: 10}).(*messages.ReadReply)
	if n := len(rr.GetResult().GetEvents()); n != 0 {
		t.Fatalf("read after the soft delete: %d events", n)
	}
	hard := "del-hard-" + uuid.NewString()
	localAppend(t, hard)
	res, err = c.DeleteStream(ctx, connect.NewRequest(&messages.DeleteStreamRequest{Stream: hard,
		Expected: anyVersion(), Hard: true}))
	if err != nil || res.Msg.GetVersion() != 1 || !res.Msg.GetHard() {
		t.Fatalf("hard delete: %v, %v", res, err)
	}
	if e := anyReplyError(local(t, appendReq(hard, event("Late", []byte(`{}`))))); e.GetCode() != messages.ErrorCode_ERROR_CODE_STREAM_DELETED {
		t.Fatalf("peer append after the hard delete: %v", e)
	}
	_, err = c.Append(ctx, connect.NewRequest(appendReq(hard, event("Late", []byte(`{}`)))))
	if !errors.Is(wire.ErrorFromConnect(err), eventstore.ErrStreamDeleted) {
		t.Fatalf("API append after the hard delete: %v", err)
	}
}

// TestConnectProjectionStatus runs a projection on the node's store that
// parks one event, and reads its status through the API: the same as
// projections.StatusOf (through the peer protocol too), with the parked
// event, its error and the position.
func TestConnectProjectionStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name := "apiproj-" + uuid.NewString()[:8]
	bad := "ProjBad-" + name
	stream := "proj-" + uuid.NewString()
	localAppend(t, stream)
	localAppendEvents(t, stream, event(bad, []byte(`{}`)))
	r, err := testStore.RunProjection(ctx, actorstore.Projection{Name: name, OnFailure: actorstore.ProjectionSkipAndPark,
		PollInterval: 10 * time.Millisecond,
		Handle: func(ctx context.Context, tx actorstore.ProjectionTx, evs []actorstore.RecordedEvent) error {
			for _, e := range evs {
				if e.Type == bad {
					return errors.New("cannot project " + bad)
				}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := local(t, &messages.HeadRequest{Stream: stream}).(*messages.HeadReply).GetResult().GetLastPosition()
	c := apiClient()
	var got *messages.ProjectionStatus
	eventually(t, 30*time.Second, func() error {
		res, err := c.ProjectionStatus(ctx, connect.NewRequest(&messages.ProjectionStatusRequest{Name: name}))
		if err != nil {
			return err
		}
		if len(res.Msg.GetProjections()) != 1 {
			return fmt.Errorf("%d versions", len(res.Msg.GetProjections()))
		}
		got = res.Msg.GetProjections()[0]
		if got.GetParked() != 1 || got.GetPosition() < head {
			return fmt.Errorf("status %v, want 1 parked at position >= %d", got, head)
		}
		return nil
	})
	if got.GetName() != name || got.GetVersion() != 1 || !got.GetLive() || !strings.Contains(got.GetLastError(), "cannot project") || got.GetHead() < head || len(got.GetParts()) == 0 {
		t.Fatalf("status %v", got)
	}
	direct, err := testStore.ProjectionStatus(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if want := node.ProjectionStatusToProto(direct).GetProjections()[0]; want.GetParked() != got.GetParked() ||
		want.GetLastError() != got.GetLastError() || want.GetName() != got.GetName() {
		t.Fatalf("API %v, StatusOf %v", got, want)
	}
	// All projections: this one is among them, over both doors.
	all, err := c.ProjectionStatus(ctx, connect.NewRequest(&messages.ProjectionStatusRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	peer := local(t, &messages.ProjectionStatusRequest{}).(*messages.ProjectionStatusReply).GetResult()
	found := 0
	for _, list := range [][]*messages.ProjectionStatus{all.Msg.GetProjections(), peer.GetProjections()} {
		for _, p := range list {
			if p.GetName() == name {
				found++
			}
		}
	}
	if found != 2 {
		t.Fatalf("projection %s in %d of the two listings", name, found)
	}
}

// TestConnectJSONDelete deletes a stream as the curl example of
// docs/api.md does (Connect JSON over HTTP/1.1).
func TestConnectJSONDelete(t *testing.T) {
	stream := "json-del-" + uuid.NewString()
	localAppend(t, stream)
	url := "http://" + testAPI.Address() + messagesconnect.EventStoreServiceDeleteStreamProcedure
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"stream":"`+stream+`","expected":{"exact":"1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"version":"1"`) {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	rr := local(t, &messages.ReadStreamRequest{Stream: stream, Limit: 10}).(*messages.ReadReply)
	if n := len(rr.GetResult().GetEvents()); n != 0 {
		t.Fatalf("read after the delete: %d events", n)
	}
}
