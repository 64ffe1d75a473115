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
	seg3       string      // the third, of a template version
	query      string      // extra query, escaped ("page=next&address=…")
	list       ListOptions // for list operations
	form       *form       // request body; do releases it
	out        decoder     // decodes a 2xx answer; nil: answer discarded
}

// decoder decodes a whole 2xx answer. It starts from its zero value: a
// retry decodes into the struct of the failed attempt.
type decoder interface {
	decode(answer []byte) error
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
	if (sp.nseg > 0 && !validSegment(r.seg1)) || (sp.nseg > 1 && !validSegment(r.seg2)) || (sp.nseg > 2 && !validSegment(r.seg3)) {
		return invalidArg(op, "empty, \".\" or \"..\" path segment")
	}
	st := c.state(a)

	// The path is built in a stack buffer from the operation's row. Opaque
	// holds the escaped path verbatim, so RequestURI sends it as is (with
	// Path/RawPath, net/url would unescape and re-validate it). Every
	// attempt shares the URL: net/http's client side only reads it.
	var buf [256]byte
	b := append(buf[:0], a.prefix...)
	b = appendPath3(b, op, r.seg1, r.seg2, r.seg3)
	pathLen := len(b)
	if sp.list {
		b = appendListQuery(b, r.list)
	}
	if r.query != "" {
		if len(b) > pathLen {
			b = append(b, '&')
		}
		b = append(b, r.query...)
	}
	s := string(b)
	u := &url.URL{Scheme: a.scheme, Host: a.host, Opaque: s[:pathLen], RawQuery: s[pathLen:]}

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

// attempt sends one HTTP request and reads its answer.
func (c *Client) attempt(ctx context.Context, a Account, st *accountState, sp *opSpec, r *call, u *url.URL) *Error {
	op := r.op

	// The per-request timeout bounds everything up to the body's Close. Its
	// cause tells "our timeout fired" (transient) apart from "the caller's
	// context ended" (returned as the caller's error). cancel runs after
	// drainClose (defers run last-in first-out): cancelling first would
	// make net/http drop the connection.
	actx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	defer cancel()

	// Built as a struct, not with http.NewRequest: nothing is parsed. The
	// header maps are built once per account and shared: net/http's client
	// side only reads Request.Header, as it does Request.URL.
	req := (&http.Request{
		Method:     sp.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     st.hdr,
		Host:       a.host,
	}).WithContext(actx)
	if r.form != nil {
		// A new reader per attempt: net/http may still read or close the
		// previous attempt's body after RoundTrip has returned.
		req.Body = r.form.bodyInto(new(bytes.Reader))
		req.GetBody = r.form.getBody
		req.ContentLength = int64(len(r.form.sent))
		req.Header = st.hdrForm
		if ct := r.form.contentType; ct != "" {
			// A multipart boundary is per body: a copy of the shared header.
			h := st.hdrForm.Clone()
			h["Content-Type"] = []string{ct}
			req.Header = h
		}
	}

	start := time.Now()
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		c.metrics.observe(op, 0, time.Since(start))
		return c.attemptError(ctx, actx, op, 0, err)
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
		buf, err := readAnswer(resp.Body)
		if err == nil {
			err = r.out.decode(buf.Bytes())
		}
		putAnswer(buf)
		if err != nil {
			c.metrics.observe(op, resp.StatusCode, time.Since(start))
			return c.attemptError(ctx, actx, op, resp.StatusCode, err)
		}
	}
	c.metrics.observe(op, resp.StatusCode, time.Since(start))
	return nil
}

// attemptError reports a failed request or answer: the caller's context
// error if the caller's context ended, else a transient error (the state
// on Mailgun is unknown: a cut-off or malformed 2xx answer is never "not
// found"), errTimeout if our own timeout cut the attempt.
func (c *Client) attemptError(ctx, actx context.Context, op Operation, status int, err error) *Error {
	if ctx.Err() != nil {
		return &Error{Op: op, err: ctx.Err()}
	}
	if context.Cause(actx) == errTimeout {
		err = errTimeout
	}
	e := &Error{Op: op, Status: status, kind: ErrTransient, err: err}
	if status != 0 {
		e.Message = "cannot decode answer"
	}
	return e
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
