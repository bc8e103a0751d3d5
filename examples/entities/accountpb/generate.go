// Package accountpb holds the protobuf commands and reply of the account
// entity of examples/entities.
package accountpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative account.proto
