// Package wire owns every conversion between actorstore's Go values
// (package eventstore) and their protobuf form (package messages): event
// records, expected versions and errors. Peers (package client), the node
// (package node) and the actor glue convert through it; nothing else
// builds or reads a protobuf message.
package wire
