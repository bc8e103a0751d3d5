package subscriptions

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// ringReplicas is the number of points each member has on the ring: enough
// for an even spread of streams among a few members.
const ringReplicas = 64

// ring is a consistent-hash ring of member IDs: a stream belongs to the
// first member point at or after the stream's hash. When a member joins or
// leaves, only the streams of the points next to its own move.
type ring struct {
	points []uint64
	owners map[uint64]string
}

// hash64 is FNV-1a followed by the splitmix64 finaliser: FNV alone
// spreads similar short strings ("order-1", "order-2") poorly on a ring.
func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func newRing(members []string) ring {
	r := ring{owners: make(map[uint64]string, len(members)*ringReplicas)}
	for _, m := range members {
		for i := range ringReplicas {
			p := hash64(m + "#" + strconv.Itoa(i))
			r.points = append(r.points, p)
			r.owners[p] = m
		}
	}
	slices.Sort(r.points)
	return r
}

// owner returns the member that stream belongs to ("" for an empty ring).
func (r ring) owner(stream string) string {
	if len(r.points) == 0 {
		return ""
	}
	h := hash64(stream)
	i, _ := slices.BinarySearch(r.points, h)
	if i == len(r.points) {
		i = 0
	}
	return r.owners[r.points[i]]
}
