package persistence

import (
	"context"
	"unicode/utf8"

	"github.com/actorstore/actorstore/eventstore"
)

// StreamLister lists streams by ID prefix, one page at a time, with keyset
// paging: each page is found by an index seek from its cursor, so a page
// costs the same at the first stream and at the millionth, and no call
// scans the store (the operator console's stream browser pages with it).
// Both backends implement it (storetest checks them). Safe for concurrent
// use.
type StreamLister interface {
	// ListStreams returns up to q.Limit streams whose IDs start with
	// q.Prefix, with their heads, in byte order of their IDs: the first
	// ones after q.After, or with q.Before the last ones before it (still
	// in ascending order). Streams without events are not listed. A bad
	// query is an *InputError.
	ListStreams(ctx context.Context, q StreamList) ([]eventstore.StreamHead, error)
}

// StreamList selects one page of ListStreams.
type StreamList struct {
	// Prefix keeps the streams whose IDs start with it ("" for all). A
	// category is a prefix: "order-".
	Prefix string
	// After pages forward: the streams after this ID (exclusive); "" from
	// the first.
	After string
	// Before pages backward: the streams just before this ID (exclusive).
	// At most one of After and Before may be set.
	Before string
	// Limit is the page size, 1 to MaxStreamListLimit.
	Limit int
}

// MaxStreamListLimit bounds one page of ListStreams.
const MaxStreamListLimit = 1000

// Validate reports the first bad field of q as an *InputError.
func (q StreamList) Validate() error {
	switch {
	case q.Limit < 1 || q.Limit > MaxStreamListLimit:
		return &eventstore.InputError{Field: "limit", Rule: "range", Message: "limit must be 1 to 1000"}
	case q.After != "" && q.Before != "":
		return &eventstore.InputError{Field: "before", Rule: "exclusive", Message: "page after or before a stream, not both"}
	case !utf8.ValidString(q.Prefix) || !utf8.ValidString(q.After) || !utf8.ValidString(q.Before):
		return &eventstore.InputError{Field: "prefix", Rule: "utf8", Message: "stream IDs are UTF-8"}
	}
	return nil
}

// PrefixEnd is the least string greater than every string that starts with
// prefix, in byte order (which for UTF-8 is code point order): the
// exclusive upper bound of a prefix's range in an index. ok is false when
// there is none (prefix is empty or all U+10FFFF). The result is valid
// UTF-8, so backends can bind it as text.
func PrefixEnd(prefix string) (end string, ok bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xD800 { // skip the surrogates, which UTF-8 cannot encode
			r = 0xE000
		}
		if r <= utf8.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}
