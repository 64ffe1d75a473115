package mailguntest

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	// maxBody bounds a request body. Mailgun's own limit is larger, but nothing
	// this API takes comes close and a bound keeps a runaway test from eating
	// memory.
	maxBody = 1 << 20

	defaultLimit = 100
	maxLimit     = 1000
)

// requestError carries the status and message a bad request is answered with.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(msg string) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: msg}
}

// readForm returns the request's parameters: body fields (urlencoded or
// multipart) followed by query fields, with repeated keys kept as several
// values, exactly as Mailgun reads `url` and `action`.
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, *requestError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mt := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, badRequest("Invalid Content-Type: " + err.Error())
		}
	}
	var err error
	switch mt {
	case "multipart/form-data":
		err = r.ParseMultipartForm(maxBody)
	case "", "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		// Anything else (JSON, say) would be silently ignored by a form
		// parser, turning a client bug into a confusing "missing parameter".
		return nil, badRequest("Unsupported Content-Type " + mt + ": use application/x-www-form-urlencoded or multipart/form-data")
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, msg: "Request body is too large"}
		}
		return nil, badRequest("Cannot parse request body: " + err.Error())
	}
	return r.Form, nil
}

// isMultipart reports whether the request body is multipart/form-data, the
// only body POST /v4/domains and PUT /v4/domains/{name} read
// (docs/mailgun-api.md, "Request bodies").
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// has reports whether key was sent at all, so "sent empty" and "not sent" can
// be told apart for partial updates.
func has(v url.Values, key string) bool {
	_, ok := v[key]
	return ok
}

// parseBool accepts what Mailgun accepts for flags: true/false and yes/no in
// any case, plus 1/0.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "t", "y", "on":
		return true, true
	case "false", "no", "0", "f", "n", "off":
		return false, true
	}
	return false, false
}

// optBool reads an optional flag: ok is false (and the error set) only when
// the key is present with a value that is not a boolean.
func optBool(v url.Values, key string, dst *bool) *requestError {
	if !has(v, key) {
		return nil
	}
	b, ok := parseBool(v.Get(key))
	if !ok {
		return badRequest("Invalid value for '" + key + "': " + strconv.Quote(v.Get(key)) + " is not a boolean")
	}
	*dst = b
	return nil
}

// optStrictBool reads an optional flag of the v4 domain endpoints, which
// the API reference types as booleans ("true"/"false", as the official SDK
// sends them): a client that regressed to yes/no is refused rather than
// guessed at (docs/mailgun-api.md, "Domains").
func optStrictBool(v url.Values, key string, dst *bool) *requestError {
	if !has(v, key) {
		return nil
	}
	switch v.Get(key) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return badRequest("Invalid value for '" + key + "': " + strconv.Quote(v.Get(key)) + " is not true or false")
	}
	return nil
}

// paging reads skip and limit: limit defaults to 100 (0 also means the
// default) and may not exceed 1000; both must be non-negative integers.
func paging(q url.Values) (skip, limit int, _ *requestError) {
	skip, limit = 0, defaultLimit
	if s := q.Get("skip"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, badRequest("Invalid value for 'skip': must be a non-negative integer")
		}
		skip = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return 0, 0, badRequest("Invalid value for 'limit': must be a non-negative integer")
		}
		if n > maxLimit {
			return 0, 0, badRequest("Invalid value for 'limit': must be at most " + strconv.Itoa(maxLimit))
		}
		if n > 0 {
			limit = n
		}
	}
	return skip, limit, nil
}

// page returns the [lo, hi) bounds of one page of n items.
func page(n, skip, limit int) (lo, hi int) {
	lo = min(skip, n)
	hi = min(lo+limit, n)
	return lo, hi
}

// withDomainForm is the start of every write to a domain's settings: read
// the form, take the lock, find the domain (404 if it is unknown), then fn.
func (s *Server) withDomainForm(w http.ResponseWriter, r *http.Request, fn func(ds *domainState, f url.Values) answer) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		return fn(ds, f)
	})
}
