package client

import (
	"github.com/actorstore/actorstore/actors"
	"github.com/actorstore/actorstore/messages"
)

// SystemOf exposes a client's actor system to the benchmarks (raw
// protoactor requests next to the client's).
func SystemOf(c *Client) *actors.System { return c.sys }

// AppendSizeBound exposes appendSizeBound to the tests.
func AppendSizeBound(req *messages.AppendRequest) int { return appendSizeBound(req) }
