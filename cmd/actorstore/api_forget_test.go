package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// TestForgetSubjectOverAPI: on `serve` with a master key, ForgetSubject
// through the gRPC/Connect API forgets a subject (forgotten, then not
// found the second time), and its event reads back as shredded through
// the API while the other event of the stream is kept.
func TestForgetSubjectOverAPI(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("cd", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n := serveNode(t, bin, filepath.Join(dir, "data"), "--master-key-file", key, "--api-addr", "127.0.0.1:0")
	c := messagesconnect.NewEventStoreServiceClient(http.DefaultClient, "http://"+n.API)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ev := func(typ, data string, meta map[string]string) *messages.EventData {
		id := uuid.New()
		return &messages.EventData{EventId: id[:], Type: typ, ContentType: "application/json", Data: []byte(data), Metadata: meta}
	}
	_, err := c.Append(ctx, connect.NewRequest(&messages.AppendRequest{Stream: "customer-9",
		Expected: &messages.ExpectedVersion{Kind: &messages.ExpectedVersion_Any{Any: true}},
		Events: []*messages.EventData{ev("Registered", `{"name":"Grace Secret"}`, map[string]string{"actorstore.subject": "grace"}),
			ev("Noted", `{"note":"kept"}`, nil)}}))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		res, err := c.ForgetSubject(ctx, connect.NewRequest(&messages.ForgetSubjectRequest{Subject: "grace"}))
		if err != nil || res.Msg.GetForgotten() != want || res.Msg.GetSubject() != "grace" {
			t.Fatalf("forget #%d: %v, %v (want forgotten=%v)", i+1, res, err, want)
		}
	}
	read, err := c.ReadStream(ctx, connect.NewRequest(&messages.ReadStreamRequest{Stream: "customer-9", Limit: 10}))
	if err != nil || len(read.Msg.GetEvents()) != 2 {
		t.Fatalf("read: %v, %v", read, err)
	}
	first, second := read.Msg.GetEvents()[0].GetEvent(), read.Msg.GetEvents()[1].GetEvent()
	if strings.Contains(string(first.GetData()), "Grace") || first.GetContentType() != "application/vnd.actorstore.shredded" ||
		string(second.GetData()) != `{"note":"kept"}` {
		t.Fatalf("after forget: %v / %v", first, second)
	}
}
