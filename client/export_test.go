package client

import (
	"github.com/actorstore/actorstore/actors"
)

// SystemOf exposes a client's actor system to the benchmarks (raw
// protoactor requests next to the client's).
func SystemOf(c *Client) *actors.System { return c.sys }
