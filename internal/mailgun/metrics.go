package mailgun

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the client's Prometheus collectors. Labels are bounded: the
// operation name (never a URL, domain or key) and the status class.
//
// Every series is resolved once in NewMetrics into fixed arrays indexed by
// Operation and status class, so recording a request is an array index and
// an atomic add: no label hashing, no allocation.
type Metrics struct {
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	rateLimitWaits *prometheus.CounterVec

	reqBy  [numOperations][numCodeClasses]prometheus.Counter
	latBy  [numOperations]prometheus.Observer
	waitBy [numOperations]prometheus.Counter
}

// Values of the "code" label: the status class, except for the three
// answers an alert needs told apart from other 4xx (docs/observability.md):
// 401 (key refused), 403 (key not allowed) and 429 (rate limited). "error"
// is a request without answer. A regex on "4.." still matches every 4xx.
const (
	class2xx = iota
	class3xx
	class401
	class403
	class429
	class4xx
	class5xx
	classError
	numCodeClasses
)

var codeClassNames = [numCodeClasses]string{"2xx", "3xx", "401", "403", "429", "4xx", "5xx", "error"}

// codeClass maps an HTTP status to its label; 0 (no answer) and nonsense
// statuses are "error".
func codeClass(status int) int {
	switch {
	case status >= 200 && status <= 299:
		return class2xx
	case status >= 300 && status <= 399:
		return class3xx
	case status == 401:
		return class401
	case status == 403:
		return class403
	case status == 429:
		return class429
	case status >= 400 && status <= 499:
		return class4xx
	case status >= 500 && status <= 599:
		return class5xx
	}
	return classError
}

// NewMetrics makes the collectors; register them with Collectors (the
// manager uses controller-runtime's metrics.Registry).
func NewMetrics() *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mailgun_requests_total",
			Help: "HTTP requests sent to the Mailgun API (each retry counts), by operation and status class (401, 403 and 429 on their own).",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mailgun_request_duration_seconds",
			Help: "Duration of Mailgun API requests including reading the answer, by operation.",
			// Mailgun answers in tens to hundreds of milliseconds; verify
			// and create can take seconds; 30s is the default timeout.
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mailgun_rate_limit_waits_total",
			Help: "Calls that had to wait for the client's per-account rate limiter or a 429 pause, by operation.",
		}, []string{"operation"}),
	}
	for op := range numOperations {
		name := op.String()
		for cl := range numCodeClasses {
			m.reqBy[op][cl] = m.requests.WithLabelValues(name, codeClassNames[cl])
		}
		m.latBy[op] = m.latency.WithLabelValues(name)
		m.waitBy[op] = m.rateLimitWaits.WithLabelValues(name)
	}
	return m
}

// Collectors returns the collectors to register.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.latency, m.rateLimitWaits}
}

// observe records one HTTP request (attempt). A nil *Metrics records
// nothing, so the client needs no branches for "metrics off".
func (m *Metrics) observe(op Operation, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.reqBy[op][codeClass(status)].Inc()
	m.latBy[op].Observe(d.Seconds())
}

func (m *Metrics) rateLimitWait(op Operation) {
	if m == nil {
		return
	}
	m.waitBy[op].Inc()
}
