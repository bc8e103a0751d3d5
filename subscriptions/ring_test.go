package subscriptions

import (
	"fmt"
	"testing"
)

// TestRingSpreadsAndMovesLittle: streams spread over members, and removing
// a member moves only the streams it owned.
func TestRingSpreadsAndMovesLittle(t *testing.T) {
	members := []string{"nonhost/$1", "nonhost/$5", "nonhost/$7"}
	r := newRing(members)
	count := map[string]int{}
	owner := map[string]string{}
	for i := range 3000 {
		s := fmt.Sprintf("order-%d", i)
		owner[s] = r.owner(s)
		count[owner[s]]++
	}
	for _, m := range members {
		if count[m] < 600 {
			t.Fatalf("uneven spread: %v", count)
		}
	}
	r2 := newRing(members[:2])
	for s, o := range owner {
		if o != members[2] && r2.owner(s) != o {
			t.Fatalf("%s moved from %s to %s though its owner stayed", s, o, r2.owner(s))
		}
	}
	if (ring{}).owner("x") != "" {
		t.Fatal("empty ring has an owner")
	}
}
