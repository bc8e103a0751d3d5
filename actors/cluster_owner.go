package actors

import "context"

// Owner is the address (host:port) of the member that hosts the
// activation of identity of kind: from protoactor's PID cache, else
// through the identity lookup, which activates it on its owner (as the
// first request to it would).
func (cl *Cluster) Owner(ctx context.Context, kind, identity string) (string, error) {
	pid, err := cl.lookup(ctx, kind, identity)
	if err != nil {
		return "", err
	}
	return pid.Address, nil
}
