package persistence_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/actorstore/actorstore/persistence"
)

func TestPrefixEnd(t *testing.T) {
	cases := map[string]string{"order-": "order.", "a": "b", "z\U0010FFFF": "{", "\uD7FF": "\uE000", "é": "ê"}
	for prefix, want := range cases {
		got, ok := persistence.PrefixEnd(prefix)
		if !ok || got != want || !utf8.ValidString(got) {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q", prefix, got, ok, want)
		}
		for _, s := range []string{prefix, prefix + "x", prefix + "\U0010FFFF\U0010FFFF"} {
			if strings.Compare(s, got) >= 0 {
				t.Errorf("%q starts with %q but is not below %q", s, prefix, got)
			}
		}
	}
	for _, none := range []string{"", "\U0010FFFF"} {
		if _, ok := persistence.PrefixEnd(none); ok {
			t.Errorf("PrefixEnd(%q) has an end", none)
		}
	}
}
