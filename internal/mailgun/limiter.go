package mailgun

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// accountState is what the Client keeps per API key: the token bucket, the
// 429 pause, and the read-only header maps every request of that key shares.
// It is keyed by Account.keyID, so US and EU accounts of one key share a
// bucket, as they share Mailgun's limit.
type accountState struct {
	lim         *rate.Limiter // nil: unlimited
	pausedUntil atomic.Int64  // unix nanoseconds; 0 = not paused
	hdr         http.Header   // Authorization, Accept, User-Agent
	hdrForm     http.Header   // hdr + Content-Type of a form
}

// accounts maps key ids to state. A read-locked map lookup per call is cheap
// and, unlike sync.Map with a string key, does not box the key. Entries are
// never evicted: an operator has a handful of keys, and a rotated key's
// entry is a few hundred bytes.
type accounts struct {
	mu sync.RWMutex
	m  map[string]*accountState
}

const userAgent = "mailgun-operator"

var (
	acceptJSON = []string{"application/json"}
	formType   = []string{"application/x-www-form-urlencoded"}
	uaValue    = []string{userAgent}
)

// state returns a's state, creating it on first use.
func (c *Client) state(a Account) *accountState {
	c.accts.mu.RLock()
	st := c.accts.m[a.keyID]
	c.accts.mu.RUnlock()
	if st != nil {
		return st
	}
	c.accts.mu.Lock()
	defer c.accts.mu.Unlock()
	if st = c.accts.m[a.keyID]; st != nil {
		return st
	}
	st = &accountState{}
	if c.rps > 0 {
		st.lim = rate.NewLimiter(rate.Limit(c.rps), c.burst)
	}
	// Shared by every request of this key and never written after this
	// point: the http.RoundTripper contract forbids modifying the request,
	// and Header.Set/Add on a copy would replace, not mutate, these slices.
	auth := []string{a.auth}
	st.hdr = http.Header{"Authorization": auth, "Accept": acceptJSON, "User-Agent": uaValue}
	st.hdrForm = http.Header{"Authorization": auth, "Accept": acceptJSON, "User-Agent": uaValue, "Content-Type": formType}
	c.accts.m[a.keyID] = st
	return st
}

// pause stops calls with this key until t (a 429's reset time). It only
// ever moves the pause later, so concurrent 429s cannot shorten it.
func (st *accountState) pause(t time.Time) {
	until := t.UnixNano()
	for {
		cur := st.pausedUntil.Load()
		if cur >= until || st.pausedUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// failFastKey marks a context whose calls never sleep through a 429 pause.
type failFastKey struct{}

// FailFast returns a context whose calls, while the account is paused by a
// 429, fail at once with ErrRateLimited and the reset time instead of
// sleeping until the reset. A controller passes it so that one account's
// pause never holds a reconcile worker: it requeues the object for the
// reset time instead.
func FailFast(ctx context.Context) context.Context {
	return context.WithValue(ctx, failFastKey{}, true)
}

// PausedUntil says whether a's key is paused by a 429, and until when, so
// that a caller can skip work that only leads to a call (the operator's
// write-ahead marker before a create).
func (c *Client) PausedUntil(a Account) (time.Time, bool) {
	until := c.state(a).pausedUntil.Load()
	if until == 0 || until <= time.Now().UnixNano() {
		return time.Time{}, false
	}
	return time.Unix(0, until), true
}

// wait blocks until this key may send: first until a 429 pause ends, then
// for a token. Every wait counts in rate_limit_waits. If the caller's
// deadline ends before the pause, or the caller asked for FailFast, it fails
// at once with ErrRateLimited and the reset time, so a reconcile worker is
// not held and the controller can requeue at the right moment.
func (c *Client) wait(ctx context.Context, st *accountState, op Operation) error {
	if until := st.pausedUntil.Load(); until != 0 {
		if d := time.Duration(until - time.Now().UnixNano()); d > 0 {
			c.metrics.rateLimitWait(op)
			if dl, ok := ctx.Deadline(); (ok && time.Until(dl) < d) || ctx.Value(failFastKey{}) != nil {
				return &Error{Op: op, Message: "account is rate limited", RetryAt: time.Unix(0, until), kind: ErrRateLimited}
			}
			if err := sleep(ctx, d); err != nil {
				return &Error{Op: op, err: err}
			}
		}
	}
	if st.lim == nil || st.lim.Allow() {
		return nil
	}
	c.metrics.rateLimitWait(op)
	if err := st.lim.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return &Error{Op: op, err: ctx.Err()}
		}
		// rate: the wait would outlast the caller's deadline.
		return &Error{Op: op, Message: "client rate limit would exceed the deadline", kind: ErrRateLimited}
	}
	return nil
}

// sleep waits d or until ctx is done, returning ctx.Err() then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
