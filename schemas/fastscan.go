package schemas

// The fast path also runs on the encoded payload itself, without decoding
// it: scanning 1 KB costs about as much as json.Valid, where decoding it
// costs ten times more. Like fastNode.valid it only answers "certainly
// valid" and gives up on anything it does not handle exactly as
// encoding/json would: escapes in keys, invalid UTF-8, nesting deeper than
// maxScanDepth, more than 64 required properties.

const maxScanDepth = 512

// anyNode accepts every value (a property with no schema).
var anyNode = &fastNode{minItems: -1, maxItems: -1, minLen: -1, maxLen: -1}

type scanner struct {
	data  []byte
	pos   int
	depth int
}

// validBytes reports whether data is one JSON value that certainly
// satisfies the schema.
func (n *fastNode) validBytes(data []byte) bool {
	s := &scanner{data: data}
	s.skipSpace()
	if !n.scan(s) {
		return false
	}
	s.skipSpace()
	return s.pos == len(s.data)
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// consume skips the literal lit if it is next.
func (s *scanner) consume(lit string) bool {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}

// scan checks the value at s.pos against n and moves past it.
func (n *fastNode) scan(s *scanner) bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return n.allows(tObject) && n.scanObject(s)
	case c == '[':
		return n.allows(tArray) && n.scanArray(s)
	case c == '"':
		runes, ok := s.scanString()
		return ok && n.allows(tString) && (n.minLen < 0 || runes >= n.minLen) && (n.maxLen < 0 || runes <= n.maxLen)
	case c == 't':
		return n.allows(tBoolean) && s.consume("true")
	case c == 'f':
		return n.allows(tBoolean) && s.consume("false")
	case c == 'n':
		return n.allows(tNull) && s.consume("null")
	case c == '-' || (c >= '0' && c <= '9'):
		lit, ok := s.scanNumber()
		return ok && n.validNumber(lit)
	}
	return false
}

func (n *fastNode) scanObject(s *scanner) bool {
	if s.depth++; s.depth > maxScanDepth || len(n.required) > 64 {
		return false
	}
	s.pos++ // '{'
	var seen uint64
	for first := true; ; first = false {
		s.skipSpace()
		if first && s.consume("}") {
			break
		}
		start := s.pos
		if s.peek() != '"' {
			return false
		}
		if _, ok := s.scanString(); !ok || !s.plainKey(start) {
			return false
		}
		key := s.data[start+1 : s.pos-1]
		seen |= n.requiredBit(key)
		if s.skipSpace(); !s.consume(":") {
			return false
		}
		s.skipSpace()
		sub := n.propertySchema(key)
		if sub == nil || !sub.scan(s) {
			return false
		}
		if s.skipSpace(); s.consume("}") {
			break
		}
		if !s.consume(",") {
			return false
		}
	}
	s.depth--
	return seen == 1<<len(n.required)-1
}

// plainKey reports whether the string starting at start has no escape, so
// its raw bytes are the key encoding/json would decode.
func (s *scanner) plainKey(start int) bool {
	for _, c := range s.data[start+1 : s.pos-1] {
		if c == '\\' {
			return false
		}
	}
	return true
}

func (n *fastNode) requiredBit(key []byte) uint64 {
	for i, r := range n.required {
		if r == string(key) {
			return 1 << i
		}
	}
	return 0
}

// propertySchema is the schema of property key, nil if it is forbidden.
func (n *fastNode) propertySchema(key []byte) *fastNode {
	if p := n.props[string(key)]; p != nil {
		return p
	}
	switch {
	case n.closed:
		return nil
	case n.additional != nil:
		return n.additional
	}
	return anyNode
}

func (n *fastNode) scanArray(s *scanner) bool {
	if s.depth++; s.depth > maxScanDepth {
		return false
	}
	s.pos++ // '['
	items := n.items
	if items == nil {
		items = anyNode
	}
	count := 0
	for first := true; ; first = false {
		s.skipSpace()
		if first && s.consume("]") {
			break
		}
		if !items.scan(s) {
			return false
		}
		count++
		if s.skipSpace(); s.consume("]") {
			break
		}
		if !s.consume(",") {
			return false
		}
	}
	s.depth--
	return (n.minItems < 0 || count >= n.minItems) && (n.maxItems < 0 || count <= n.maxItems)
}
