package schemas

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/actorstore/actorstore/eventstore"
	"github.com/actorstore/actorstore/wire"
)

func init() {
	wire.RegisterError(wire.ErrorCodec{Encode: encodeValidation, Code: eventstore.CodeValidation, Decode: decodeValidation})
}

// encodeValidation is the wire form of a *ValidationError (also as the
// cause of a *eventstore.AbortedError): code VALIDATION with one field
// error per problem:
//
//	path:    "events[<index>]" followed by the problem's JSON pointer,
//	         e.g. "events[2]/order/lines/2/qty" ("events[0]" for the payload itself)
//	rule:    the problem's rule
//	message: <quoted type> " v" <version> ": " <problem message>,
//	         e.g. `"order-placed" v2: must be >= 1`
func encodeValidation(err error, d *wire.Detail) bool {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	d.Stream = ve.Stream
	for _, ev := range ve.Events {
		head := strconv.Quote(ev.Type) + " v" + strconv.FormatUint(uint64(ev.Version), 10) + ": "
		for _, p := range ev.Problems {
			d.Fields = append(d.Fields, wire.FieldError{
				Path: "events[" + strconv.Itoa(ev.Index) + "]" + p.Path, Rule: p.Rule, Message: head + p.Message})
		}
	}
	return true
}

// decodeValidation rebuilds a *ValidationError with the same events and
// problems as the one encodeValidation was given.
func decodeValidation(d *wire.Detail) error {
	ve := &ValidationError{Stream: d.Stream}
	for _, f := range d.Fields {
		index, path, ok := parseWirePath(f.Path)
		typ, n, msg, ok2 := parseWireMessage(f.Message)
		if !ok || !ok2 {
			index, path, typ, n, msg = 0, f.Path, "", 0, f.Message
		}
		p := Problem{Path: path, Rule: f.Rule, Message: msg}
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
