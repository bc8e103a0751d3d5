package schemas

import "unicode/utf8"

// scanString moves past the string at s.pos and returns its length in
// code points once unescaped. It gives up on invalid UTF-8, which
// encoding/json would replace rather than reject.
func (s *scanner) scanString() (int, bool) {
	s.pos++ // opening quote
	runes := 0
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return runes, true
		case c < 0x20:
			return 0, false
		case c == '\\':
			if !s.scanEscape() {
				return 0, false
			}
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && size <= 1 {
				return 0, false
			}
			s.pos += size
		}
		runes++
	}
	return 0, false
}

// scanEscape moves past one escape. A \u escape of a surrogate is given up
// on: it may pair with the next one into one code point.
func (s *scanner) scanEscape() bool {
	if s.pos+1 >= len(s.data) {
		return false
	}
	switch s.data[s.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos += 2
		return true
	case 'u':
		if s.pos+6 > len(s.data) {
			return false
		}
		v := 0
		for _, h := range s.data[s.pos+2 : s.pos+6] {
			d, ok := hexDigit(h)
			if !ok {
				return false
			}
			v = v<<4 | d
		}
		s.pos += 6
		return v < 0xD800 || v > 0xDFFF
	}
	return false
}

func hexDigit(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// scanNumber moves past a number in JSON's grammar and returns its text:
// -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
func (s *scanner) scanNumber() ([]byte, bool) {
	start := s.pos
	if s.peek() == '-' {
		s.pos++
	}
	switch c := s.peek(); {
	case c == '0':
		s.pos++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return nil, false
	}
	if s.peek() == '.' {
		s.pos++
		if !s.digits() {
			return nil, false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.pos++
		if c := s.peek(); c == '+' || c == '-' {
			s.pos++
		}
		if !s.digits() {
			return nil, false
		}
	}
	return s.data[start:s.pos], true
}

func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// digits moves past one or more digits.
func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}
