package mailgun

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

// waitDone fails the test if ctx is not done within a second.
func waitDone(t *testing.T, what string, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatalf("%s: not done", what)
	}
}

// TestAttemptCtx checks the attempt context against the contract of
// context.WithTimeout, whose job it does, including for contexts derived
// from it as net/http derives one per request.
func TestAttemptCtx(t *testing.T) {
	t.Run("expires", func(t *testing.T) {
		var c attemptCtx
		before := time.Now()
		c.start(context.WithValue(context.Background(), ctxKey{}, "v"), 30*time.Millisecond)
		defer c.stop()
		if dl, ok := c.Deadline(); !ok || dl.Before(before.Add(30*time.Millisecond)) || dl.After(time.Now().Add(30*time.Millisecond)) {
			t.Errorf("Deadline = %v, %v", dl, ok)
		}
		if c.Value(ctxKey{}) != "v" {
			t.Error("values of the caller's context are not visible")
		}
		child, cancel := context.WithCancelCause(&c) // as net/http's Transport does
		defer cancel(nil)
		if c.Err() != nil || child.Err() != nil {
			t.Fatal("done before the deadline")
		}
		waitDone(t, "child at the deadline", child)
		if !errors.Is(c.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) || !c.expired() {
			t.Errorf("Err = %v, child %v, expired %v", c.Err(), child.Err(), c.expired())
		}
		waitDone(t, "ctx", &c)
	})
	t.Run("caller cancels", func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		var c attemptCtx
		c.start(parent, time.Hour)
		defer c.stop()
		child, cancel := context.WithCancelCause(&c)
		defer cancel(nil)
		cancelParent()
		waitDone(t, "child after the caller's cancel", child)
		if !errors.Is(c.Err(), context.Canceled) || c.expired() {
			t.Errorf("Err = %v, expired %v", c.Err(), c.expired())
		}
	})
	t.Run("stop cancels every child", func(t *testing.T) {
		var c attemptCtx
		c.start(context.Background(), time.Hour)
		children := make([]context.Context, 3) // one in fn, two in more
		for i := range children {
			var cancel context.CancelFunc
			children[i], cancel = context.WithCancel(&c)
			defer cancel()
		}
		c.stop()
		for _, ch := range children {
			waitDone(t, "child after stop", ch)
		}
		if !errors.Is(c.Err(), context.Canceled) || c.expired() {
			t.Errorf("Err = %v, expired %v", c.Err(), c.expired())
		}
		late, cancel := context.WithCancel(&c)
		defer cancel()
		waitDone(t, "child made after stop", late)
		c.stop() // a second stop does nothing
	})
	t.Run("stopped before the deadline does not fire", func(t *testing.T) {
		var c attemptCtx
		c.start(context.Background(), 10*time.Millisecond)
		c.stop()
		time.Sleep(30 * time.Millisecond)
		if c.expired() {
			t.Error("expired after stop")
		}
	})
}

// TestURLCache checks that cached URLs are exact and reused.
func TestURLCache(t *testing.T) {
	c := newURLCache()
	b := []byte("/v4/domains/a%2Fb.comlimit=5")
	const pathLen = len("/v4/domains/a%2Fb.com")
	u := c.get("https", "api.mailgun.net", b, pathLen)
	if u.Scheme != "https" || u.Host != "api.mailgun.net" {
		t.Errorf("URL = %#v", u)
	}
	if got := u.RequestURI(); got != "/v4/domains/a%2Fb.com?limit=5" {
		t.Errorf("RequestURI = %s", got)
	}
	if c.get("https", "api.mailgun.net", b, pathLen) != u {
		t.Error("same URL not reused")
	}
	if n := testing.AllocsPerRun(100, func() { c.get("https", "api.mailgun.net", b, pathLen) }); n != 0 {
		t.Errorf("a hit allocates %v times", n)
	}
	for _, o := range []struct {
		scheme, host string
		b            []byte
		pathLen      int
	}{
		{"https", "api.eu.mailgun.net", b, pathLen},
		{"http", "api.mailgun.net", b, pathLen},
		{"https", "api.mailgun.net", []byte("/v4/domains/a%2Fb.comlimit=6"), pathLen},
		{"https", "api.mailgun.net", b, pathLen - 1},
	} {
		v := c.get(o.scheme, o.host, o.b, o.pathLen)
		if v.Scheme != o.scheme || v.Host != o.host || v.Opaque+v.RawQuery != string(o.b) || len(v.Opaque) != o.pathLen {
			t.Errorf("get(%q, %q, %q, %d) = %#v", o.scheme, o.host, o.b, o.pathLen, v)
		}
	}
}
