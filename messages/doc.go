// Package messages holds the wire protocol of actorstore: protobuf messages
// generated from the .proto files in this directory (proto package
// actorstore.v1).
//
// Regenerate with `go generate ./messages` (needs protoc and
// protoc-gen-go on PATH; the generated files are committed, so users of the
// module need neither). This package imports nothing else of actorstore.
//
// Compatibility: field numbers and ErrorCode values are stable. New fields get
// new numbers; removed fields are reserved.
package messages

//go:generate protoc --go_out=. --go_opt=paths=source_relative events.proto
