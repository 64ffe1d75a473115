package controller

import (
	"context"
	"time"
)

// sweepChecks drops the DNS check times (lastCheck) older than the check
// interval: such an entry reads as no entry (dueForCheck), so dropping it
// changes nothing, and it is the only way entries of domains never
// finalized by this manager go (an adopted domain with deletionPolicy
// Orphan has no finalizer, a domain moved to another shard is not seen
// again): Forget removes the others.
func (x *domainExternal) sweepChecks(now time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for uid, last := range x.lastCheck {
		if now.Sub(last) >= x.dnsCheckInterval {
			delete(x.lastCheck, uid)
		}
	}
}

// Start sweeps the DNS check times every check interval until ctx ends (a
// manager Runnable).
func (x *domainExternal) Start(ctx context.Context) error {
	if x.dnsCheckInterval <= 0 {
		return nil
	}
	t := time.NewTicker(x.dnsCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			x.sweepChecks(now)
		}
	}
}
