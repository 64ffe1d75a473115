package mailgun

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// attemptCtx bounds one attempt by the client's timeout: the caller's
// context (its values, deadline and cancellation) plus our own deadline.
// It replaces context.WithTimeoutCause, which costs about nine allocations
// per request: the timerCtx, its runtime timer and two closures, and then
// the children map and done channel net/http's derived context adds to it.
// An attemptCtx lives inside the attempt's one allocation (attemptReq),
// borrows a pooled timer, and costs the done channel plus the two small
// objects context.WithCancelCause allocates when its parent has an
// AfterFunc method (which is how net/http's derived context hooks in).
//
// It is a complete context.Context: Done is closed and Err is set when the
// deadline passes or the caller's context ends, whichever is first, so the
// whole request (connection wait, write, headers and body read) is bounded,
// as it was with context.WithTimeoutCause. Err is context.DeadlineExceeded
// for our deadline; attempt reports that as errTimeout (transient), the
// cause the previous code set.
type attemptCtx struct {
	parent   context.Context
	deadline int64         // Unix nanoseconds; an int64, not a time.Time, keeps attemptReq in a smaller size class
	timer    *attemptTimer // nil once stopped
	stopWait func() bool   // stops the watch on parent; nil if parent cannot end

	mu    sync.Mutex
	done  chan struct{} // made by the first Done, or closedChan
	state ctxState
	fn    func()    // the first AfterFunc callback (net/http registers one)
	more  *[]func() // any further ones
}

// ctxState says whether and why an attemptCtx ended; Err derives from it,
// so no error is stored.
type ctxState uint8

const (
	ctxActive     ctxState = iota
	ctxExpired             // our deadline passed: context.DeadlineExceeded
	ctxStopped             // the attempt is over: context.Canceled
	ctxParentDone          // the caller's context ended: its Err
)

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// start arms the context for timeout d. Call stop when the attempt is over
// (the answer read and closed, or RoundTrip failed).
func (c *attemptCtx) start(parent context.Context, d time.Duration) {
	c.parent = parent
	c.deadline = time.Now().Add(d).UnixNano()
	if parent.Done() != nil {
		// The caller can cancel: forward that. (Caller contexts without a
		// Done channel, such as context.Background, cost nothing here.)
		c.stopWait = context.AfterFunc(parent, c.parentDone)
	}
	c.timer = getAttemptTimer(c, d)
}

// stop ends the context, as the cancel of context.WithTimeout did: it
// releases the timer and the watch on the parent, then cancels whatever
// net/http may still run under it. Call it after the answer's body is
// closed; cancelling earlier would make net/http drop the connection.
func (c *attemptCtx) stop() {
	if c.timer != nil {
		c.timer.release()
		c.timer = nil
	}
	if c.stopWait != nil {
		c.stopWait()
	}
	c.cancel(ctxStopped)
}

// expired reports whether our own deadline, not the caller, ended the
// context.
func (c *attemptCtx) expired() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == ctxExpired
}

func (c *attemptCtx) parentDone() { c.cancel(ctxParentDone) }

// cancel ends the context once; later calls do nothing.
func (c *attemptCtx) cancel(why ctxState) {
	c.mu.Lock()
	if c.state != ctxActive {
		c.mu.Unlock()
		return
	}
	c.state = why
	if c.done == nil {
		c.done = closedChan
	} else {
		close(c.done)
	}
	fn, more := c.fn, c.more
	c.fn, c.more = nil, nil
	c.mu.Unlock()
	if fn != nil {
		fn()
	}
	if more != nil {
		for _, f := range *more {
			f()
		}
	}
}

func (c *attemptCtx) Deadline() (time.Time, bool) {
	// start is only used when the parent has no deadline or a later one.
	return time.Unix(0, c.deadline), true
}

func (c *attemptCtx) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

func (c *attemptCtx) Err() error {
	c.mu.Lock()
	state := c.state
	c.mu.Unlock()
	switch state {
	case ctxExpired:
		return context.DeadlineExceeded
	case ctxStopped:
		return context.Canceled
	case ctxParentDone:
		return c.parent.Err() // set for good once the parent is done
	}
	return nil
}

func (c *attemptCtx) Value(key any) any { return c.parent.Value(key) }

// AfterFunc lets a context derived from this one (net/http's per-request
// context.WithCancelCause) register for cancellation with one callback
// instead of a goroutine: context's propagateCancel uses it when a parent
// has this method. f runs at cancellation; if the context has already
// ended, f runs at once in its own goroutine (propagateCancel calls
// AfterFunc with the child's lock held, and f takes that lock).
//
// The returned stop does not unregister f: a child calls stop when it is
// cancelled itself, and then a late f is a no-op (cancelling a cancelled
// context does nothing). Keeping f costs nothing: it lives as long as this
// attemptCtx, one request. A real stop would cost an allocation per call.
func (c *attemptCtx) AfterFunc(f func()) (stop func() bool) {
	c.mu.Lock()
	if c.state != ctxActive {
		c.mu.Unlock()
		go f()
		return stopNothing
	}
	switch {
	case c.fn == nil:
		c.fn = f // nothing to allocate for the usual single child
	case c.more == nil:
		c.more = &[]func(){f}
	default:
		*c.more = append(*c.more, f)
	}
	c.mu.Unlock()
	return stopNothing
}

func stopNothing() bool { return false }

// attemptTimer is a reusable timer for attempt deadlines. time.AfterFunc
// allocates a timer and its closure; a pooled one is only Reset. fire reads
// the context to cancel from ctx, so the timer's function is bound once.
type attemptTimer struct {
	t   *time.Timer
	ctx atomic.Pointer[attemptCtx]
}

var attemptTimerPool = sync.Pool{New: func() any {
	t := new(attemptTimer)
	t.t = time.AfterFunc(time.Hour, t.fire)
	t.t.Stop()
	return t
}}

func getAttemptTimer(c *attemptCtx, d time.Duration) *attemptTimer {
	t := attemptTimerPool.Get().(*attemptTimer)
	t.ctx.Store(c)
	t.t.Reset(d)
	return t
}

func (t *attemptTimer) fire() {
	if c := t.ctx.Load(); c != nil {
		c.cancel(ctxExpired)
	}
}

// release stops the timer and pools it, unless it has fired or is firing:
// then fire may still be reading ctx, so the timer is left to the garbage
// collector. (Since Go 1.23, Stop returning true guarantees fire will not
// run.)
func (t *attemptTimer) release() {
	if t.t.Stop() {
		t.ctx.Store(nil)
		attemptTimerPool.Put(t)
	}
}
