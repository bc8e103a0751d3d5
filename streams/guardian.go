package streams

import (
	"github.com/actorstore/actorstore/actors"
)

// guardianActor is the top of a Runtime's supervision tree. It spawns the
// writer and the registry as its children (supervised by the runtime's
// policy); the registry supervises the stream actors with the same policy.
//
//	guardian
//	├── writer      (state survives restarts: no flush is forgotten)
//	└── registry    (a restart stops its stream actors, which answer their callers)
//	    └── stream actors, one per live stream
type guardianActor struct {
	sh       *shared
	writerSt *writerState
	strategy actors.Strategy
	writer   *actors.PID
	registry *actors.PID
}

// nodePIDs answers getPIDs.
type nodePIDs struct{ writer, registry *actors.PID }

type getPIDs struct{}

func (g *guardianActor) Receive(c actors.Context) {
	switch c.Message().(type) {
	case *actors.Started:
		st := g.writerSt
		g.writer = c.Spawn(actors.PropsOf(func() actors.Actor { return &writerActor{st: st} }))
		sh, writer := g.sh, g.writer
		props := actors.PropsOf(func() actors.Actor { return newRegistry(sh, writer) })
		g.registry = c.Spawn(actors.WithStrategy(props, g.strategy))
	case *getPIDs:
		c.Respond(&nodePIDs{writer: g.writer, registry: g.registry})
	}
}
