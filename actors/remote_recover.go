package actors

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// recoverStream keeps a panic in protoactor's stream handler from taking
// the process down. protoactor dereferences nil when a peer sends a
// message type this binary does not know, and trusts frame contents; the
// panic ends only that peer's stream (the peer sees its connection close
// and reconnects on its next message).
func (rm *Remote) recoverStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo,
	handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = rm.recovered(p)
		}
	}()
	return handler(srv, ss)
}

// recoverUnary does the same for protoactor's unary calls (some of which
// panic "implement me").
func (rm *Remote) recoverUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo,
	handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = rm.recovered(p)
		}
	}()
	return handler(ctx, req)
}

func (rm *Remote) recovered(p any) error {
	rm.panics.Add(1)
	rm.cfg.Logger.Warn().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).
		Msg("remote: recovered a panic on a peer connection; closing that connection")
	return status.Errorf(codes.InvalidArgument, "actorstore: malformed message: %v", p)
}
