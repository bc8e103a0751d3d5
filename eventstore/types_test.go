package eventstore

import "testing"

func TestFilterMatches(t *testing.T) {
	cases := []struct {
		name   string
		f      Filter
		stream string
		typ    string
		want   bool
	}{
		{"zero filter", Filter{}, "order-1", "Created", true},
		{"zero filter, any stream", Filter{}, "", "", true},
		{"prefix match", Filter{StreamPrefix: "order-"}, "order-1", "Created", true},
		{"prefix equals stream", Filter{StreamPrefix: "order-1"}, "order-1", "Created", true},
		{"prefix mismatch", Filter{StreamPrefix: "order-"}, "user-1", "Created", false},
		{"prefix longer than stream", Filter{StreamPrefix: "order-123"}, "order-1", "Created", false},
		{"prefix is case sensitive", Filter{StreamPrefix: "Order-"}, "order-1", "Created", false},
		{"category", CategoryFilter("order"), "order-7", "X", true},
		{"category excludes longer name", CategoryFilter("order"), "orders-7", "X", false},
		{"type match", Filter{EventTypes: []string{"Paid", "Created"}}, "x", "Created", true},
		{"type mismatch", Filter{EventTypes: []string{"Paid"}}, "x", "Created", false},
		{"both match", Filter{StreamPrefix: "o", EventTypes: []string{"Paid"}}, "order-1", "Paid", true},
		{"both, type mismatch", Filter{StreamPrefix: "o", EventTypes: []string{"Paid"}}, "order-1", "Created", false},
		{"both, prefix mismatch", Filter{StreamPrefix: "u", EventTypes: []string{"Paid"}}, "order-1", "Paid", false},
		{"unicode prefix", Filter{StreamPrefix: "commande-é"}, "commande-é1", "X", true},
	}
	for _, c := range cases {
		if got := c.f.Matches(c.stream, c.typ); got != c.want {
			t.Errorf("%s: %+v.Matches(%q, %q) = %v, want %v", c.name, c.f, c.stream, c.typ, got, c.want)
		}
	}
	if !(Filter{}).IsZero() || (Filter{StreamPrefix: "a"}).IsZero() || (Filter{EventTypes: []string{"a"}}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestSmallTypes(t *testing.T) {
	if Forward.String() != "forward" || Backward.String() != "backward" {
		t.Errorf("Direction strings: %s, %s", Forward, Backward)
	}
	if (StreamHead{}).Exists() || !(StreamHead{Version: 1}).Exists() {
		t.Error("StreamHead.Exists is wrong")
	}
}
