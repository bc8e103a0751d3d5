package node

import "context"

// Membership reports the cluster the node is a member of: its name, the
// members' addresses in the node's current topology and whether the node
// is among them. clustered is false (and the rest empty) on a single node.
func (n *Node) Membership() (name string, members []string, joined, clustered bool) {
	if n.cluster == nil {
		return "", nil, false, false
	}
	members, joined = n.cluster.Members()
	return n.cluster.Name(), members, joined, true
}

// StreamOwner is the address of the node that owns stream: this node's
// when it is not clustered; else the member that hosts the stream's
// activation (looking it up activates it there, as a request would).
func (n *Node) StreamOwner(ctx context.Context, stream string) (string, error) {
	if n.cluster == nil {
		return n.Address(), nil
	}
	return n.cluster.Owner(ctx, StreamKind, stream)
}
