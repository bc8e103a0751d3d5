package messages

// The gRPC/Connect service: Go messages with protoc-gen-go, the Connect
// handler and client (package messagesconnect) with protoc-gen-connect-go
// (docs/adr/0020-connect-api.md).
//go:generate protoc --go_out=. --go_opt=paths=source_relative --connect-go_out=. --connect-go_opt=paths=source_relative service.proto
