package subscriptions

import (
	"context"
	"testing"
	"time"

	"github.com/actorstore/actorstore/actors"
)

func TestDebugGroup(t *testing.T) {
	st, _ := backends[0].open(t)
	sys := newSystem(t)
	hub := newHub(t, sys, st, Config{})
	w := writer{st: st, hub: hub}
	w.appendN(t, "a-1", 5, "e")
	rec := &recorder{byStream: true}
	s, err := hub.Subscribe(context.Background(), HandlerOptions{Options: Options{Durable: "g", Group: true, Window: 8}}, rec.handle)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(time.Second)
	st2, _ := hub.Stats(context.Background())
	t.Logf("hub %+v", st2)
	for _, pid := range subscriptionPIDs(t, hub) {
		r, err := actors.Request(context.Background(), sys, pid, statsRequest{})
		t.Logf("%s %+v %v", pid, r, err)
	}
	t.Log(rec.state())
}
