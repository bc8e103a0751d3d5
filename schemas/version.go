package schemas

import (
	"sort"

	"github.com/actorstore/actorstore/eventstore"
)

// version is one registered, immutable schema version of a type.
type version struct {
	number      uint32
	contentType string       // eventstore.ContentTypeJSON or ContentTypeProtobuf
	json        *jsonChecker // set for JSON versions
	proto       *protoChecker
	examples    [][]byte
}

// payload is an event's data, decoded at most once as JSON however many
// versions it is checked against.
type payload struct {
	data    []byte
	decoded bool
	doc     any
	syntax  []Problem
}

func (p *payload) jsonDoc() (any, []Problem) {
	if !p.decoded {
		p.decoded = true
		doc, err := decodeJSON(p.data)
		if err != nil {
			p.syntax = []Problem{{Rule: RuleSyntax, Message: "payload is not valid JSON: " + err.Error()}}
		}
		p.doc = doc
	}
	return p.doc, p.syntax
}

// problems checks a payload of the given content type against the version.
// They are sorted by path, then rule: a schema's properties live in maps.
func (v *version) problems(p *payload, contentType string) []Problem {
	probs := v.unsortedProblems(p, contentType)
	sort.SliceStable(probs, func(i, j int) bool {
		if probs[i].Path != probs[j].Path {
			return probs[i].Path < probs[j].Path
		}
		return probs[i].Rule < probs[j].Rule
	})
	return probs
}

func (v *version) unsortedProblems(p *payload, contentType string) []Problem {
	if contentType != v.contentType {
		return []Problem{{Rule: RuleContentType,
			Message: "version expects " + v.contentType + ", event is " + contentType}}
	}
	if v.proto != nil {
		return v.proto.check(p.data)
	}
	if v.json.fast != nil && v.json.fast.validBytes(p.data) {
		return nil // certainly valid, without decoding
	}
	doc, syntax := p.jsonDoc()
	if syntax != nil {
		return syntax
	}
	return v.json.check(doc)
}

// contentTypeOf returns the event's content type, JSON when empty.
func contentTypeOf(ct string) string {
	if ct == "" {
		return eventstore.ContentTypeJSON
	}
	return ct
}
