package messages

//go:generate protoc --go_out=. --go_opt=paths=source_relative lifecycle.proto

// Projection status requests (node API and gRPC/Connect).
//go:generate protoc --go_out=. --go_opt=paths=source_relative projection_status.proto
