package controller

import (
	"net/http"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestRateLimitedOutcome: a 429 with a reset time waits exactly until it; one
// without (a proxy's 429) backs off with the work queue instead of coming
// back every second.
func TestRateLimitedOutcome(t *testing.T) {
	now := time.Now()
	withReset := mailgun.Classify(mailgun.OpGetRoute, http.StatusTooManyRequests,
		http.Header{"Retry-After": []string{"30"}}, nil)
	out := classify(withReset, now)
	if out.retry || out.requeueAfter < 29*time.Second || out.reason != ReasonRateLimited {
		t.Errorf("with a reset: retry %v, requeue %s, reason %s; want a requeue at the reset", out.retry, out.requeueAfter, out.reason)
	}
	noReset := mailgun.Classify(mailgun.OpGetRoute, http.StatusTooManyRequests, nil, []byte("Too Many Requests"))
	out = classify(noReset, now)
	if !out.retry || out.requeueAfter != 0 || out.reason != ReasonRateLimited {
		t.Errorf("without a reset: retry %v, requeue %s, reason %s; want the work queue's backoff", out.retry, out.requeueAfter, out.reason)
	}
}
