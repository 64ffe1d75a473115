package mailgun

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// call is one API call as the operation files describe it.
type call struct {
	op         Operation
	seg1, seg2 string      // path segments, escaped by appendPath
	list       ListOptions // for list operations
	form       *form       // request body; do releases it
	out        decoder     // decodes a 2xx answer; nil: answer discarded
}

// decoder decodes a 2xx answer streamed from the body.
type decoder interface {
	decode(r io.Reader) error
}

// timeoutError is the cause of an attempt's own deadline. Using it as the
// context cause tells "our per-request timeout fired" (transient) apart from
// "the caller's context ended" (returned as the context error).
type timeoutError struct{}

func (timeoutError) Error() string   { return "request timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var errTimeout error = timeoutError{}

// Bounds on reading answers we do not decode. Draining lets the transport
// reuse the connection; past the bound, dropping it is cheaper.
const (
	maxErrorBody = 4 << 10
	maxDrain     = 64 << 10
)

var scratchPool = sync.Pool{New: func() any { b := make([]byte, maxErrorBody); return &b }}

// do runs a call: validate, build the path once, then attempt with retries.
// It always releases r.form.
func (c *Client) do(ctx context.Context, a Account, r *call) error {
	if r.form != nil {
		defer r.form.release()
	}
	op := r.op
	if op >= numOperations {
		return invalidArg(op, "unknown operation")
	}
	if r.form != nil {
		r.form.seal(opTable[op].body)
	}
	if a.IsZero() {
		return invalidArg(op, "no Mailgun account (zero Account)")
	}
	sp := &opTable[op]
	if (sp.nseg > 0 && !validSegment(r.seg1)) || (sp.nseg > 1 && !validSegment(r.seg2)) {
		return invalidArg(op, "empty, \".\" or \"..\" path segment")
	}
	st := c.state(a)

	// The path is built in a stack buffer (no pool traffic, no allocation
	// unless a path exceeds 256 bytes) and looked up in the URL cache; the
	// URL, immutable, is shared by every attempt.
	var buf [256]byte
	b := append(buf[:0], a.prefix...)
	b = appendPath(b, op, r.seg1, r.seg2)
	pathLen := len(b)
	if sp.list {
		b = appendListQuery(b, r.list)
	}
	u := c.urls.get(a.scheme, a.host, b, pathLen)

	for attempt := 0; ; attempt++ {
		if err := c.wait(ctx, st, op); err != nil {
			return err
		}
		e := c.attempt(ctx, a, st, sp, r, u)
		if e == nil {
			return nil
		}
		if e.kind != ErrTransient || !sp.idempotent || attempt >= c.maxRetries {
			return e
		}
		d := c.backoff(attempt)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return e // the caller cannot wait that long: report the cause, not a timeout
		}
		if err := sleep(ctx, d); err != nil {
			return &Error{Op: op, err: err}
		}
	}
}

// backoff is capped exponential backoff with full jitter: uniform in
// [0, min(cap, base*2^attempt)], so retries of many workers spread out.
func (c *Client) backoff(attempt int) time.Duration {
	d := maxRetryBackoff
	if attempt < 30 {
		d = min(c.baseDelay<<attempt, maxRetryBackoff)
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// attemptReq is what one attempt hands to net/http besides the request and
// its URL, in one allocation: the timeout context and the body reader.
// (The request is a separate allocation because WithContext, the only way
// to set its context, allocates a copy; the URL comes from the cache.) It
// is not pooled: net/http may use the request's context and body after
// RoundTrip has returned (the HTTP/1 write loop can still be writing the
// body when the answer arrives, and closes the body later), so only the
// garbage collector knows when the last reference is gone. Each attempt of
// a retried call gets a new one for the same reason.
type attemptReq struct {
	ctx  attemptCtx
	body bytes.Reader // over the call's sealed form
}

// attempt sends one HTTP request and reads its answer.
func (c *Client) attempt(ctx context.Context, a Account, st *accountState, sp *opSpec, r *call, u *url.URL) *Error {
	op := r.op
	var ar *attemptReq

	// The per-request timeout, bounding everything up to the body's Close;
	// skipped when the caller's own deadline comes first anyway.
	actx := ctx
	var own *attemptCtx
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout {
		ar = new(attemptReq)
		own = &ar.ctx
		own.start(ctx, c.timeout)
		defer own.stop() // runs after drainClose below: stop cancels, and cancelling first would kill the connection
		actx = own
	}

	// Built as a struct, not with http.NewRequest: nothing is parsed. The
	// header maps are built once per account and shared: net/http's client
	// side only reads Request.Header, as it does Request.URL.
	proto := http.Request{
		Method:     sp.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     st.hdr,
		Host:       a.host,
	}
	if r.form != nil {
		if ar == nil {
			ar = new(attemptReq)
		}
		proto.Body = r.form.bodyInto(&ar.body)
		proto.GetBody = r.form.getBody
		proto.ContentLength = int64(len(r.form.sent))
		proto.Header = st.hdrForm
		if ct := r.form.contentType; ct != "" {
			// A multipart boundary is per body: a copy of the shared header.
			h := st.hdrForm.Clone()
			h["Content-Type"] = []string{ct}
			proto.Header = h
		}
	}
	req := proto.WithContext(actx)

	start := time.Now()
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		c.metrics.observe(op, 0, time.Since(start))
		if ctx.Err() != nil {
			return &Error{Op: op, err: ctx.Err()}
		}
		if own != nil && own.expired() {
			err = errTimeout // our timeout, not the caller's deadline
		}
		return &Error{Op: op, kind: ErrTransient, err: err}
	}
	defer drainClose(resp.Body)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := classifyResponse(op, resp, a)
		c.metrics.observe(op, resp.StatusCode, time.Since(start))
		if e.kind == ErrRateLimited && !e.RetryAt.IsZero() {
			st.pause(e.RetryAt)
		}
		return e
	}
	if r.out != nil {
		if err := r.out.decode(resp.Body); err != nil {
			c.metrics.observe(op, resp.StatusCode, time.Since(start))
			if ctx.Err() != nil {
				return &Error{Op: op, err: ctx.Err()}
			}
			if own != nil && own.expired() {
				err = errTimeout
			}
			// A truncated or malformed 2xx answer: the state on Mailgun is
			// unknown, so it is transient, never "not found".
			return &Error{Op: op, Status: resp.StatusCode, Message: "cannot decode answer", kind: ErrTransient, err: err}
		}
	}
	c.metrics.observe(op, resp.StatusCode, time.Since(start))
	return nil
}

// classifyResponse reads at most maxErrorBody of an error answer and
// classifies it, scrubbing the key should the server echo it.
func classifyResponse(op Operation, resp *http.Response, a Account) *Error {
	bp := scratchPool.Get().(*[]byte)
	n, _ := io.ReadFull(resp.Body, *bp)
	e := Classify(op, resp.StatusCode, resp.Header, (*bp)[:n])
	scratchPool.Put(bp)
	if e.Message != "" {
		e.Message = scrubKey(e.Message, a)
	}
	return e
}

// scrubKey removes the API key and the Authorization header from a message.
// Only error paths pay for decoding the header back.
func scrubKey(msg string, a Account) string {
	enc := strings.TrimPrefix(a.auth, "Basic ")
	if raw, err := base64.StdEncoding.DecodeString(enc); err == nil {
		if key := strings.TrimPrefix(string(raw), "api:"); len(key) >= 4 {
			msg = strings.ReplaceAll(msg, key, "[redacted]")
		}
	}
	return strings.ReplaceAll(msg, enc, "[redacted]")
}

// drainClose reads what is left of a body (bounded) so the connection goes
// back to the pool, then closes it.
func drainClose(body io.ReadCloser) {
	bp := scratchPool.Get().(*[]byte)
	// The iteration bound guards against a reader that returns 0, nil.
	for i, n := 0, 0; n < maxDrain && i < 64; i++ {
		m, err := body.Read(*bp)
		n += m
		if err != nil {
			break
		}
	}
	scratchPool.Put(bp)
	_ = body.Close()
}
