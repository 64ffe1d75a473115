package mailgun_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestRateLimitPause: a 429 pauses the account until its reset; later calls
// wait (counted), other keys do not.
func TestRateLimitPause(t *testing.T) {
	m := mailgun.NewMetrics()
	o := testOptions()
	o.Metrics = m
	reset := time.Now().Add(400 * time.Millisecond)
	resetHdr := strconv.FormatFloat(float64(reset.UnixNano())/1e9, 'f', 3, 64)
	c, a, rp := newReplay(t, o,
		answer{status: 429, header: map[string]string{"X-RateLimit-Reset": resetHdr}, body: `{"message": "Too many requests"}`},
		answer{body: getDomainJSON})

	err := getDomain(context.Background(), c, a)
	if !errors.Is(err, mailgun.ErrRateLimited) {
		t.Fatalf("first call: %v", err)
	}
	if at, ok := mailgun.RetryAfter(err); !ok || at.Sub(reset).Abs() > 2*time.Millisecond {
		t.Errorf("RetryAfter %v, want about %v", at, reset)
	}

	t.Run("short deadline fails fast", func(t *testing.T) {
		reason := "a caller whose deadline ends before the reset gets ErrRateLimited at once, with the reset time"
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := getDomain(ctx, c, a)
		if !errors.Is(err, mailgun.ErrRateLimited) || time.Since(start) > 30*time.Millisecond {
			t.Errorf("%s: %v after %v", reason, err, time.Since(start))
		}
		if _, ok := mailgun.RetryAfter(err); !ok {
			t.Errorf("%s: no RetryAfter", reason)
		}
	})

	t.Run("FailFast fails fast without a deadline", func(t *testing.T) {
		reason := "a FailFast caller gets ErrRateLimited at once, with the reset time, however far the reset"
		start := time.Now()
		err := getDomain(mailgun.FailFast(context.Background()), c, a)
		if !errors.Is(err, mailgun.ErrRateLimited) || time.Since(start) > 30*time.Millisecond {
			t.Errorf("%s: %v after %v", reason, err, time.Since(start))
		}
		if at, ok := mailgun.RetryAfter(err); !ok || at.Sub(reset).Abs() > 2*time.Millisecond {
			t.Errorf("%s: RetryAfter %v, want about %v", reason, at, reset)
		}
		if at, ok := c.PausedUntil(a); !ok || at.Sub(reset).Abs() > 2*time.Millisecond {
			t.Errorf("PausedUntil = %v, %v; want about %v", at, ok, reset)
		}
	})

	t.Run("other key not paused", func(t *testing.T) {
		reason := "the pause is per key"
		b, err := mailgun.NewAccount(a.BaseURL(), "another-key")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := getDomain(context.Background(), c, b); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 200*time.Millisecond {
			t.Errorf("%s: waited %v", reason, time.Since(start))
		}
	})

	t.Run("waits until reset", func(t *testing.T) {
		reason := "calls of the paused key wait until the reset, then go"
		if err := getDomain(context.Background(), c, a); err != nil {
			t.Fatal(err)
		}
		if now := time.Now(); now.Before(reset) {
			t.Errorf("%s: call finished %v before the reset", reason, reset.Sub(now))
		}
	})

	if n := len(rp.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (429, other key, after reset)", n)
	}
	if w := metricValue(t, m, "mailgun_rate_limit_waits_total", map[string]string{"operation": "GetDomain"}); w != 3 {
		t.Errorf("rate limit waits = %v, want 3", w)
	}
	if v := metricValue(t, m, "mailgun_requests_total", map[string]string{"operation": "GetDomain", "code": "429"}); v != 1 {
		t.Errorf("429 requests = %v, want 1", v)
	}
	if v := metricValue(t, m, "mailgun_requests_total", map[string]string{"operation": "GetDomain", "code": "2xx"}); v != 2 {
		t.Errorf("2xx requests = %v, want 2", v)
	}
	if v := metricValue(t, m, "mailgun_request_duration_seconds", map[string]string{"operation": "GetDomain"}); v != 3 {
		t.Errorf("latency samples = %v, want 3", v)
	}
}

// TestTokenBucket: the per-key bucket spaces calls and counts the waits.
func TestTokenBucket(t *testing.T) {
	m := mailgun.NewMetrics()
	o := testOptions()
	o.Metrics = m
	o.RequestsPerSecond = 20
	o.Burst = 2
	c, a, _ := newReplay(t, o, answer{body: `{"message": "ok"}`})
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.DeleteRoute(context.Background(), a, "r"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// 2 from the burst, 4 at 20/s: at least ~200ms.
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("6 calls at 20/s with burst 2 took only %v", d)
	}
	if w := metricValue(t, m, "mailgun_rate_limit_waits_total", map[string]string{"operation": "DeleteRoute"}); w != 4 {
		t.Errorf("rate limit waits = %v, want 4", w)
	}
}

// TestConcurrentUse runs many calls of several accounts at once; run with
// -race it checks the shared state (limiter map, pooled forms, header maps).
func TestConcurrentUse(t *testing.T) {
	o := testOptions()
	o.Metrics = mailgun.NewMetrics()
	o.RequestsPerSecond = 1000
	o.Burst = 1000
	c, a, _ := newReplay(t, o, answer{body: getDomainJSON})
	b, _ := mailgun.NewAccount(a.BaseURL(), "second-key")
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acct := a
			if i%2 == 1 {
				acct = b
			}
			for range 5 {
				if _, err := c.GetDomain(context.Background(), acct, "example.com"); err != nil {
					t.Error(err)
					return
				}
				if err := c.SetOpenTracking(context.Background(), acct, "example.com", i%3 == 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestZeroRateIsUnlimited: RequestsPerSecond 0 (the manager's
// --mailgun-requests-per-second=0) means no bucket, so no waits.
func TestZeroRateIsUnlimited(t *testing.T) {
	m := mailgun.NewMetrics()
	o := testOptions()
	o.RequestsPerSecond = 0
	o.Burst = 1
	o.Metrics = m
	c, a, _ := newReplay(t, o, answer{body: `{"message": "ok"}`})
	for range 30 {
		if err := c.DeleteRoute(context.Background(), a, "r"); err != nil {
			t.Fatal(err)
		}
	}
	if w := metricValue(t, m, "mailgun_rate_limit_waits_total", map[string]string{"operation": "DeleteRoute"}); w != 0 {
		t.Errorf("%v waits with an unlimited rate", w)
	}
}
