package node

import (
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // gzip-compressed requests, as Connect's handler takes them
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/messages/messagesconnect"
)

// The gRPC protocol of the API is served by grpc-go's server (its own
// HTTP/2 transport, which batches the frames of many calls into few
// writes), the other protocols by Connect's handler on net/http; the
// listener routes each connection by its first request (apiRouter). Both
// serve every call through serveCall or connectService.subscribe, so a
// call gets the same result, error, limits and trace on either.

// newGRPCServer is the grpc-go server of the API of s's node: requests up
// to twice the node's MaxMessageBytes (as Connect's handler reads), idle
// connections closed after idle (as the HTTP server does).
func newGRPCServer(s *connectService, idle time.Duration) *grpc.Server {
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(2*s.n.cfg.MaxMessageBytes),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: idle}))
	srv.RegisterService(grpcServiceDesc(), s)
	return srv
}

// grpcServiceDesc describes actorstore.v1.EventStoreService
// (messages/service.proto) to grpc-go: every method, each served through
// serveCall (TestGRPCServesEveryMethod checks it against the proto).
func grpcServiceDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: messagesconnect.EventStoreServiceName,
		HandlerType: (*messagesconnect.EventStoreServiceHandler)(nil),
		Methods: []grpc.MethodDesc{
			grpcUnary[messages.AppendRequest]("Append", appendResult),
			grpcUnary[messages.TransactRequest]("Transact", transactResult),
			grpcUnary[messages.ReadStreamRequest]("ReadStream", readStreamResult),
			grpcUnary[messages.ReadAllRequest]("ReadAll", readAllResult),
			grpcUnary[messages.HeadRequest]("Head", headResult),
			grpcUnary[messages.StatusRequest]("Status", statusResult),
			grpcUnary[messages.HealthRequest]("Health", healthResult),
			grpcUnary[messages.ExecuteRequest]("Execute", executeResult),
			grpcUnary[messages.DeleteStreamRequest]("DeleteStream", deleteStreamResult),
			grpcUnary[messages.SetStreamMetadataRequest]("SetStreamMetadata", setStreamMetadataResult),
			grpcUnary[messages.GetStreamMetadataRequest]("GetStreamMetadata", getStreamMetadataResult),
			grpcUnary[messages.ForgetSubjectRequest]("ForgetSubject", forgetSubjectResult),
			grpcUnary[messages.ProjectionStatusRequest]("ProjectionStatus", projectionStatusResult),
		},
		Streams:  []grpc.StreamDesc{{StreamName: "Subscribe", Handler: grpcSubscribe, ServerStreams: true}},
		Metadata: "service.proto",
	}
}

// grpcUnary is the grpc-go method name: it decodes a Req and serves it
// through serveCall.
func grpcUnary[Req any, Res any, PReq interface {
	*Req
	proto.Message
}](name string, result func(proto.Message) *Res) grpc.MethodDesc {
	return grpc.MethodDesc{MethodName: name, Handler: func(srv any, ctx context.Context, dec func(any) error,
		_ grpc.UnaryServerInterceptor) (any, error) {
		req := PReq(new(Req))
		if err := dec(req); err != nil {
			return nil, err
		}
		res, err := serveCall(ctx, srv.(*connectService).n, incomingHeader(ctx), req, result)
		if err != nil {
			return nil, grpcError(err, func(md metadata.MD) { _ = grpc.SetTrailer(ctx, md) })
		}
		return res, nil
	}}
}

// grpcSubscribe serves Subscribe through connectService.subscribe: each
// SendMsg blocks while the caller does not read (HTTP/2 flow control).
func grpcSubscribe(srv any, stream grpc.ServerStream) error {
	m := new(messages.TailRequest)
	if err := stream.RecvMsg(m); err != nil {
		return err
	}
	ctx := stream.Context()
	err := srv.(*connectService).subscribe(ctx, incomingHeader(ctx), m,
		func(r *messages.TailResponse) error { return stream.SendMsg(r) })
	if err != nil {
		return grpcError(err, stream.SetTrailer)
	}
	return nil
}

// grpcHeader is the metadata of a grpc-go call as headers.
type grpcHeader metadata.MD

func incomingHeader(ctx context.Context) grpcHeader {
	md, _ := metadata.FromIncomingContext(ctx)
	return grpcHeader(md)
}

// Get is the first value of key (lower case), "" for none.
func (h grpcHeader) Get(key string) string {
	if v := metadata.MD(h).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

// grpcError is err (a *connect.Error from serveCall or subscribe) as the
// gRPC status Connect's handler sends for it: the same code, message and
// details (the actorstore Error), its metadata (actorstore-error-code,
// actorstore-trace-id) in the trailers, given to setTrailer.
func grpcError(err error, setTrailer func(metadata.MD)) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return grpcstatus.Error(codes.Unknown, err.Error())
	}
	st := &status.Status{Code: int32(ce.Code()), Message: ce.Message()}
	for _, d := range ce.Details() {
		st.Details = append(st.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type(), Value: d.Bytes()})
	}
	if len(ce.Meta()) > 0 {
		md := metadata.MD{}
		for k, vs := range ce.Meta() {
			md.Append(k, vs...)
		}
		setTrailer(md)
	}
	return grpcstatus.ErrorProto(st)
}
