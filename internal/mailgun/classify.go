package mailgun

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// maxMessage bounds Error.Message: it ends up in status conditions and
// events, and an HTML error page from a proxy must not.
const maxMessage = 256

// maxRetryDelay bounds how far a rate-limit reset may lie in the future. A
// garbled header must not stall an account for days; if the limit really
// lasts longer, the next call simply gets a fresh 429 and reset time.
const maxRetryDelay = time.Hour

// Classify turns a non-2xx answer into an *Error; it returns nil for 2xx.
// It is the one place that maps statuses to kinds:
//
//	404 with a JSON body → ErrNotFound; without one (no such endpoint: a
//	    wrong base URL or a proxy's page) → ErrInvalid, so that a
//	    misconfigured account never reads as "everything is gone"
//	409, or 400 whose message says "already exist" → ErrConflict
//	401 → ErrUnauthorized
//	403 → ErrForbidden (a plan limit or a permission, not the key)
//	429 → ErrRateLimited, RetryAt from X-RateLimit-Reset, Retry-After or
//	    the body's "retry-seconds"
//	other 4xx → ErrInvalid
//	3xx → ErrInvalid: the client never follows a redirect (see below)
//	5xx and anything else unexpected (1xx) → ErrTransient
//
// body may be truncated by the caller; only its start is used.
func Classify(op Operation, status int, header http.Header, body []byte) *Error {
	if status >= 200 && status <= 299 {
		return nil
	}
	e := &Error{Op: op, Status: status, Message: errorMessage(body)}
	switch {
	case status == http.StatusNotFound && !isJSONObject(body):
		// docs/mailgun-api.md, "Errors and status codes": Mailgun's 404
		// for a missing object is JSON; a bare 404 means the path itself
		// is unknown. Taking it as "not found" would let a wrong
		// apiBaseURL release finalizers and re-create objects.
		e.kind = ErrInvalid
		e.Message = "no such API endpoint (check the account's region or apiBaseURL): " + e.Message
	case status == http.StatusNotFound:
		e.kind = ErrNotFound
	case status == http.StatusUnauthorized:
		e.kind = ErrUnauthorized
	case status == http.StatusForbidden:
		e.kind = ErrForbidden
	case status == http.StatusConflict:
		e.kind = ErrConflict
	case status == http.StatusTooManyRequests:
		e.kind = ErrRateLimited
		e.RetryAt = resetTime(header, body, time.Now())
	case status >= 300 && status <= 399:
		// The client sends requests with RoundTrip, never through an
		// http.Client, so a redirect is never followed: following one would
		// carry the Authorization header (the API key) to wherever Location
		// points, past the manager's --mailgun-allowed-hosts check. Mailgun
		// documents no redirect (docs/mailgun-api.md, "Errors and status
		// codes"), so one means the apiBaseURL is wrong (http:// on an
		// https-only host, a proxy): permanent for this spec, not retried.
		e.kind = ErrInvalid
		e.Message = redirectMessage(status, header.Get("Location"))
	case status == http.StatusBadRequest && containsFold(e.Message, "already exist"):
		e.kind = ErrConflict
	case status >= 400 && status <= 499:
		e.kind = ErrInvalid
	default:
		e.kind = ErrTransient
	}
	return e
}

// redirectMessage says that a redirect was refused and where it pointed.
func redirectMessage(status int, location string) string {
	if location == "" {
		location = "none"
	}
	return sanitize(fmt.Sprintf("answered %d, a redirect, which is never followed (the API key would go with it): "+
		"point the account's apiBaseURL at the API itself; Location: %s", status, location))
}

// errorMessage takes Mailgun's message from {"message": ...} (most
// endpoints), {"Reason": ...} (v4 webhooks) or {"error": ...}, else the raw
// text. Names match case-insensitively (unmarshalOptions), so
// "Message"/"reason" work too.
func errorMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
		Reason  string `json:"reason"`
		Error   string `json:"error"`
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") && unmarshal(body, &m) == nil {
		switch {
		case m.Message != "":
			return sanitize(m.Message)
		case m.Reason != "":
			return sanitize(m.Reason)
		case m.Error != "":
			return sanitize(m.Error)
		}
	}
	return sanitize(trimmed)
}

// sanitize makes a server-sent text fit for a condition message: valid
// UTF-8, control characters as spaces, trimmed, at most maxMessage bytes cut
// at a rune boundary.
func sanitize(s string) string {
	var b strings.Builder
	n := min(len(s), maxMessage)
	b.Grow(n)
	for _, r := range s {
		if r == utf8.RuneError || r < ' ' || r == 0x7f {
			if r == utf8.RuneError {
				r = '\uFFFD'
			} else {
				r = ' '
			}
		}
		if b.Len()+utf8.RuneLen(r) > maxMessage {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// containsFold is an allocation-free ASCII case-insensitive strings.Contains.
func containsFold(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return true
		}
	}
	return false
}

// resetTime reads when a 429 ends. X-RateLimit-Reset is epoch seconds, maybe
// fractional; Retry-After is delay-seconds or an HTTP date. If both are
// present the later wins, so neither limit is broken. The result is zero
// when neither parses, and never later than now+maxRetryDelay.
func resetTime(h http.Header, body []byte, now time.Time) time.Time {
	var t time.Time
	if f, ok := retrySeconds(body); ok {
		t = now.Add(time.Duration(f * float64(time.Second)))
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if f, ok := parseSeconds(v); ok {
			f = min(f, 1e15) // keep the conversions below in range
			var r time.Time
			switch {
			case f > 1e12:
				// Milliseconds: seconds this large are the year 33658.
				r = time.UnixMilli(int64(f))
			case f < 1e9:
				// Before 2001 is not an epoch reset time; read it the way
				// some APIs send it, as seconds from now.
				r = now.Add(time.Duration(f * float64(time.Second)))
			default:
				sec, frac := math.Modf(f)
				r = time.Unix(int64(sec), int64(frac*1e9))
			}
			if r.After(t) {
				t = r
			}
		}
	}
	if v := h.Get("Retry-After"); v != "" {
		var r time.Time
		if f, ok := parseSeconds(v); ok && f < 1e9 {
			r = now.Add(time.Duration(f * float64(time.Second)))
		} else if d, err := http.ParseTime(v); err == nil {
			r = d
		}
		if r.After(t) {
			t = r
		}
	}
	if t.IsZero() {
		return t
	}
	if limit := now.Add(maxRetryDelay); t.After(limit) {
		t = limit
	}
	return t
}

// retrySeconds reads the 429 body Mailgun's documentation shows,
// {"retry-seconds": 60} (docs/mailgun-api.md, "Rate limits"); a number or
// a numeric string.
func retrySeconds(body []byte) (float64, bool) {
	if !isJSONObject(body) {
		return 0, false
	}
	var m struct {
		RetrySeconds jsontext.Value `json:"retry-seconds"`
	}
	if unmarshal(body, &m) != nil || len(m.RetrySeconds) == 0 {
		return 0, false
	}
	v := strings.Trim(string(m.RetrySeconds), `"`)
	f, ok := parseSeconds(v)
	return f, ok && f < 1e9
}

// isJSONObject reports whether an answer body is a JSON object, as every
// answer of Mailgun's own is.
func isJSONObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{'
}

// parseSeconds accepts a finite, non-negative decimal number.
func parseSeconds(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return 0, false
	}
	return f, true
}
