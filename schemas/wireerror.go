package schemas

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/messages"
	"github.com/actorstore/actorstore/wire"
)

// ErrorToProto converts an error to its wire form. A *ValidationError (also
// as the cause of a *eventstore.AbortedError) becomes ERROR_CODE_VALIDATION
// with one FieldError per problem:
//
//	path:    "events[<index>]" followed by the problem's JSON pointer,
//	         e.g. "events[2]/order/lines/2/qty" ("events[0]" for the payload itself)
//	rule:    the problem's rule
//	message: <quoted type> " v" <version> ": " <problem message>,
//	         e.g. `"order-placed" v2: must be >= 1`
//
// Every other error is converted by wire.ErrorToProto. It returns nil
// for a nil error.
func ErrorToProto(err error) *messages.Error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return wire.ErrorToProto(err)
	}
	m := &messages.Error{Code: messages.ErrorCode_ERROR_CODE_VALIDATION, Message: utf8Only(err.Error()),
		Stream: ve.Stream, TraceId: ve.TraceID}
	var ae *eventstore.AbortedError
	if errors.As(err, &ae) {
		m.Operation = "transaction aborted: " + ae.Stream
		if m.TraceId == "" {
			m.TraceId = ae.TraceID
		}
	}
	for _, ev := range ve.Events {
		head := strconv.Quote(ev.Type) + " v" + strconv.FormatUint(uint64(ev.Version), 10) + ": "
		for _, p := range ev.Problems {
			m.Fields = append(m.Fields, &messages.FieldError{
				Path: "events[" + strconv.Itoa(ev.Index) + "]" + utf8Only(p.Path), Rule: utf8Only(p.Rule),
				Message: head + utf8Only(p.Message)})
		}
	}
	return m
}

// utf8Only makes s valid UTF-8, as protobuf strings must be (the type is
// quoted with strconv.Quote, which already escapes invalid bytes).
func utf8Only(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// ErrorFromProto turns a wire error back into the typed error: a
// *ValidationError for ERROR_CODE_VALIDATION, with the same events and
// problems as the one ErrorToProto was given; other codes go through
// wire.ErrorFromProto. It returns nil for a nil message.
func ErrorFromProto(m *messages.Error) error {
	if m == nil || m.GetCode() != messages.ErrorCode_ERROR_CODE_VALIDATION {
		return wire.ErrorFromProto(m)
	}
	ve := &ValidationError{Stream: m.GetStream(), TraceID: m.GetTraceId()}
	for _, f := range m.GetFields() {
		index, path, ok := parseWirePath(f.GetPath())
		typ, n, msg, ok2 := parseWireMessage(f.GetMessage())
		if !ok || !ok2 {
			index, path, typ, n, msg = 0, f.GetPath(), "", 0, f.GetMessage()
		}
		p := Problem{Path: path, Rule: f.GetRule(), Message: msg}
		last := len(ve.Events) - 1
		if last >= 0 && ve.Events[last].Index == index && ve.Events[last].Type == typ && ve.Events[last].Version == n {
			ve.Events[last].Problems = append(ve.Events[last].Problems, p)
			continue
		}
		ve.Events = append(ve.Events, EventProblems{Index: index, Type: typ, Version: n, Problems: []Problem{p}})
	}
	return ve
}

// parseWirePath splits "events[2]/a/b" into 2 and "/a/b".
func parseWirePath(s string) (int, string, bool) {
	rest, ok := strings.CutPrefix(s, "events[")
	if !ok {
		return 0, "", false
	}
	num, path, ok := strings.Cut(rest, "]")
	if !ok || (path != "" && path[0] != '/') {
		return 0, "", false
	}
	i, err := strconv.Atoi(num)
	return i, path, err == nil && i >= 0
}

// parseWireMessage splits `"order-placed" v2: text`.
func parseWireMessage(s string) (string, uint32, string, bool) {
	quoted, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", 0, "", false
	}
	typ, _ := strconv.Unquote(quoted)
	var n uint32
	rest := s[len(quoted):]
	num, msg, ok := strings.Cut(strings.TrimPrefix(rest, " v"), ": ")
	if !ok || !strings.HasPrefix(rest, " v") {
		return "", 0, "", false
	}
	if _, err := fmt.Sscan(num, &n); err != nil || strconv.FormatUint(uint64(n), 10) != num {
		return "", 0, "", false
	}
	return typ, n, msg, true
}
