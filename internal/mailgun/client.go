package mailgun

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// Options configure a Client. Zero values give the defaults below, except
// RequestsPerSecond, whose zero means no client-side limit.
type Options struct {
	Timeout             time.Duration     // one request incl. reading the answer; default 30s
	MaxIdleConnsPerHost int               // default 64; also the per-host connection limit: size it to the concurrent callers
	RequestsPerSecond   float64           // per-key token bucket; <= 0 means unlimited (the manager's flag defaults to 10)
	Burst               int               // default 20
	MaxRetries          int               // idempotent ops only; default 3; < 0 means none
	RetryBaseDelay      time.Duration     // default 200ms; capped exponential, full jitter, cap 5s
	Transport           http.RoundTripper // nil: the tuned transport below
	Metrics             *Metrics          // nil: no metrics
}

// Defaults of Options.
const (
	DefaultTimeout             = 30 * time.Second
	DefaultMaxIdleConnsPerHost = 64
	// DefaultRequestsPerSecond and DefaultBurst keep any 60 s window within
	// Mailgun's documented 300 requests per minute per account for the
	// Domains and Webhooks APIs (docs/mailgun-api.md, "Rate limits"):
	// burst + 60 s × rate = 30 + 270 = 300.
	DefaultRequestsPerSecond = 4.5 // what callers should pass; 0 itself means unlimited
	DefaultBurst             = 30
	DefaultMaxRetries        = 3
	DefaultRetryBaseDelay    = 200 * time.Millisecond
	maxRetryBackoff          = 5 * time.Second
)

// Client talks to Mailgun for any number of accounts. Make one per process
// (New) and share it: it owns the connection pool, and every Account is
// just a value passed per call. Safe for concurrent use.
type Client struct {
	rt         http.RoundTripper
	timeout    time.Duration
	maxRetries int
	baseDelay  time.Duration
	rps        float64
	burst      int
	metrics    *Metrics
	accts      accounts
}

// New makes the client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxIdleConnsPerHost <= 0 {
		o.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	// RequestsPerSecond <= 0 stays as is: unlimited, as the contract and
	// the manager's --mailgun-requests-per-second=0 say. A 429 still pauses
	// the key without a bucket.
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.RetryBaseDelay <= 0 {
		o.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if o.Transport == nil {
		o.Transport = NewTransport(o.MaxIdleConnsPerHost, o.Timeout)
	}
	return &Client{
		rt:         o.Transport,
		timeout:    o.Timeout,
		maxRetries: o.MaxRetries,
		baseDelay:  o.RetryBaseDelay,
		rps:        o.RequestsPerSecond,
		burst:      o.Burst,
		metrics:    o.Metrics,
		accts:      accounts{m: make(map[string]*accountState)},
	}
}

// NewTransport is the tuned transport New uses; exported for callers that
// wrap it (tracing) and pass the wrapper back as Options.Transport.
//
// Go's defaults keep 2 idle connections per host, so 64 workers would open
// and close connections all the time; every phase gets an explicit timeout
// so a black-holed connection cannot hold a worker for the kernel's TCP
// timeout. Compression is off: Mailgun's answers are a few KiB of JSON, and
// a gzip reader allocates ~40 KiB per answer, more than it saves.
//
// maxIdleConnsPerHost is also the hard limit of connections per host
// (MaxConnsPerHost). Callers size it to their concurrency: at most that many
// requests run at once, so that many connections are all the pool ever
// needs. Without a limit, net/http's Transport races a new dial against
// every request that finds no idle connection; on a cold pool a request
// often gets a connection another request just freed while its own dial
// completes anyway, and the extra connection joins the pool. With the
// limit, a request beyond it waits for a connection (bounded by its
// context) instead of dialing one more.
func NewTransport(maxIdleConnsPerHost int, timeout time.Duration) *http.Transport {
	if maxIdleConnsPerHost <= 0 {
		maxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true, // needed because DialContext and TLSClientConfig are set
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  min(20*time.Second, timeout),
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           2 * maxIdleConnsPerHost, // US and EU hosts
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		MaxConnsPerHost:        maxIdleConnsPerHost, // see above
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
	}
}

// CloseIdleConnections closes the transport's idle connections, for tests
// that check for leaked goroutines and for a manager shutting down.
func (c *Client) CloseIdleConnections() {
	if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
