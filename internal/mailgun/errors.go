package mailgun

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// The kinds of failure a controller acts on. Test with errors.Is; every
// error the client returns for an answer or a transport failure is an *Error
// whose Is matches exactly one of these.
var (
	// ErrNotFound: 404. Right after a create it may be eventual consistency.
	ErrNotFound = errors.New("not found")
	// ErrConflict: 409, or 400 saying the object already exists.
	ErrConflict = errors.New("conflict")
	// ErrInvalid: any other 4xx: permanent for this spec, do not retry it
	// unchanged. Also used for arguments the client refuses to send.
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthorized: 401, the key is wrong or revoked.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: 403, the key is valid but may not do this, for
	// example more domains than the plan allows (docs/mailgun-api.md,
	// "Errors and status codes"). Not a credentials problem.
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: 429 or the account's limiter is paused; see RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrTransient: 5xx, timeouts, connection resets, EOF, malformed answers.
	ErrTransient = errors.New("transient error")
)

// Error is the client's error. It never contains the API key, the
// Authorization header, or a request body (form bodies may hold passwords).
type Error struct {
	Op      Operation
	Status  int       // HTTP status; 0 when no answer was received
	Message string    // Mailgun's message, sanitised and at most 256 bytes
	RetryAt time.Time // for ErrRateLimited: when the limit resets (zero if unknown)
	kind    error     // one of the sentinels, or nil for a context error
	err     error     // the cause: transport error, decode error, ctx.Err()
}

// Error reads like "cannot GetDomain: 404 Not Found: Domain not found".
func (e *Error) Error() string {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, "cannot "...)
	b = append(b, e.Op.String()...)
	if e.Status != 0 {
		b = append(b, ": "...)
		b = strconv.AppendInt(b, int64(e.Status), 10)
		if t := http.StatusText(e.Status); t != "" {
			b = append(b, ' ')
			b = append(b, t...)
		}
	}
	if e.Message != "" {
		b = append(b, ": "...)
		b = append(b, e.Message...)
	}
	if e.err != nil {
		b = append(b, ": "...)
		b = append(b, e.err.Error()...)
	} else if e.Status == 0 && e.Message == "" && e.kind != nil {
		b = append(b, ": "...)
		b = append(b, e.kind.Error()...)
	}
	if !e.RetryAt.IsZero() {
		b = append(b, " (retry at "...)
		b = e.RetryAt.UTC().AppendFormat(b, time.RFC3339)
		b = append(b, ')')
	}
	return string(b)
}

// Is reports whether target is this error's kind sentinel.
func (e *Error) Is(target error) bool { return e.kind != nil && target == e.kind }

// Unwrap returns the cause (transport error, ctx.Err(), decode error), so
// errors.Is(err, context.Canceled) holds for a cancelled call.
func (e *Error) Unwrap() error { return e.err }

// Kind returns the sentinel this error matches (ErrNotFound...), or nil for
// a context cancellation. Handy for a switch.
func (e *Error) Kind() error { return e.kind }

// RetryAfter returns when a rate-limited error says to try again.
func RetryAfter(err error) (time.Time, bool) {
	var e *Error
	if errors.As(err, &e) && e.kind == ErrRateLimited && !e.RetryAt.IsZero() {
		return e.RetryAt, true
	}
	return time.Time{}, false
}

// invalidArg is the error for arguments the client refuses to send.
func invalidArg(op Operation, msg string) *Error {
	return &Error{Op: op, Message: msg, kind: ErrInvalid}
}
