package mailgun

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strconv"
	"sync"
)

// bodyEncoding is how an operation's form goes on the wire. It is a column
// of the operation table, not a choice of each call site: the API decides it
// per endpoint (docs/mailgun-api.md, "Request bodies").
type bodyEncoding uint8

const (
	// encURL is application/x-www-form-urlencoded, what most endpoints take.
	encURL bodyEncoding = iota
	// encMultipart is multipart/form-data: what the SDK sends to the bulk
	// member upload (POST /v3/lists/{a}/members.json), and to POST /v4/domains and PUT
	// /v4/domains/{name} read only this: a urlencoded PUT answers 200 and
	// changes nothing (mailgun-go PR #470), which is how domain updates
	// once never reached Mailgun.
	encMultipart
)

// form is an application/x-www-form-urlencoded body built by appending into
// a pooled buffer: no url.Values map, no intermediate strings. Repeated keys
// (url, action) are appended once per value, never comma-joined.
//
// Lifetime: an http.RoundTripper may read a request body after RoundTrip
// has returned (the HTTP/1 write loop when the server answers before
// reading the whole body, HTTP/2 streams), and net/http gives no reliable
// signal for "done with it" for the bodies it can send in one write. So
// seal copies the finished form once per call into sent, which the garbage
// collector owns, and every attempt sends a reader over that copy; the
// pooled build buffer is wiped and reused as soon as the call returns. The
// copy replaces the one net/http would otherwise make: handed a body type
// it cannot recognise as in memory, it flushes the headers in a write of
// their own and copies the body through a buffer of its length.
type form struct {
	b       []byte                        // build buffer, pooled
	sent    []byte                        // what every attempt sends; set by seal
	getBody func() (io.ReadCloser, error) // Request.GetBody over sent; set by seal
	// contentType is set by seal for a multipart body (its boundary is
	// part of the type); empty means the account's urlencoded header.
	contentType string
}

// maxPooledForm keeps one huge body (4 KiB route expressions are the
// largest expected) from pinning memory in the pool forever.
const maxPooledForm = 64 << 10

var formPool = sync.Pool{New: func() any { return &form{b: make([]byte, 0, 512)} }}

// newForm returns an empty form.
func newForm() *form {
	f := formPool.Get().(*form)
	f.b = f.b[:0]
	return f
}

// seal fixes the body the call sends; do calls it once, before the first
// attempt. GetBody is bound to the copy, not to the pooled form: a
// transport that called it after the call (net/http does not; a wrapper
// might) gets this call's body, never the next user's of the form.
func (f *form) seal(enc bodyEncoding) {
	var sent []byte
	if enc == encMultipart {
		sent, f.contentType = f.multipart()
	} else {
		sent = bytes.Clone(f.b)
	}
	f.sent = sent
	f.getBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(sent)), nil }
}

// release returns the form to the pool once the call is over. The build
// buffer is wiped because it may hold a password. The sealed copy is left
// to the garbage collector (net/http may still be reading it), as is the
// password's own string, read from its Secret.
func (f *form) release() {
	clear(f.b)
	f.sent, f.getBody, f.contentType = nil, nil, ""
	if cap(f.b) <= maxPooledForm {
		formPool.Put(f)
	}
}

// multipart re-encodes the built pairs, in order and with repeated keys
// kept, as a multipart/form-data body (RFC 7578), and returns it with its
// content type. Only the domain create and update take it.
//
// It is written by hand rather than with mime/multipart, whose Writer
// allocates a header map and formats a header per field: with it,
// UpdateDomain cost 118 allocations and 7.4 KiB a call (0.82× and 0.74×
// mailgun-go's, measured with test/bench), against the ≤ 0.6× the client
// keeps elsewhere. The format is small: a random boundary line, a
// Content-Disposition header naming the field, a blank line, the value.
// TestMultipartRoundTrip reads the result back with mime/multipart.
func (f *form) multipart() ([]byte, string) {
	var rnd [30]byte // as mime/multipart: 60 hex characters never met in a value by chance
	_, _ = rand.Read(rnd[:])
	var bnd [60]byte
	hex.Encode(bnd[:], rnd[:])
	// Each field adds a boundary line and its header to its pair's length.
	out := make([]byte, 0, len(f.b)+(len(bnd)+64)*(bytes.Count(f.b, []byte{'&'})+2))
	for rest := f.b; len(rest) > 0; {
		pair := rest
		if i := bytes.IndexByte(rest, '&'); i >= 0 {
			pair, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		k, v, _ := bytes.Cut(pair, []byte{'='})
		out = append(out, "--"...)
		out = append(out, bnd[:]...)
		out = append(out, "\r\nContent-Disposition: form-data; name=\""...)
		out = appendQuotedName(out, k)
		out = append(out, "\"\r\n\r\n"...)
		out = appendQueryUnescape(out, v)
		out = append(out, "\r\n"...)
	}
	out = append(out, "--"...)
	out = append(out, bnd[:]...)
	out = append(out, "--\r\n"...)
	return out, "multipart/form-data; boundary=" + string(bnd[:])
}

// appendQuotedName appends a field name, unescaped from the build buffer,
// inside a quoted-string: backslash and double quote escaped, as
// mime/multipart does.
func appendQuotedName(dst, escaped []byte) []byte {
	start := len(dst)
	dst = appendQueryUnescape(dst, escaped)
	name := dst[start:]
	if bytes.IndexAny(name, "\\\"") < 0 {
		return dst
	}
	raw := bytes.Clone(name)
	dst = dst[:start]
	for _, c := range raw {
		if c == '\\' || c == '"' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}

// appendQueryUnescape reverses appendQueryEscape ('+' is a space, %XX a
// byte). Its input was escaped by add, so it is always well formed.
func appendQueryUnescape(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			dst = append(dst, ' ')
		case c == '%' && i+2 < len(s):
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return 0
}

// add appends key=value, query-escaped.
func (f *form) add(key, value string) {
	if len(f.b) > 0 {
		f.b = append(f.b, '&')
	}
	f.b = appendQueryEscape(f.b, key)
	f.b = append(f.b, '=')
	f.b = appendQueryEscape(f.b, value)
}

func (f *form) addBool(key string, v bool) {
	if v {
		f.add(key, "true")
	} else {
		f.add(key, "false")
	}
}

func (f *form) addYesNo(key string, v bool) {
	if v {
		f.add(key, "yes")
	} else {
		f.add(key, "no")
	}
}

func (f *form) addInt(key string, n int) {
	if len(f.b) > 0 {
		f.b = append(f.b, '&')
	}
	f.b = appendQueryEscape(f.b, key)
	f.b = append(f.b, '=')
	f.b = strconv.AppendInt(f.b, int64(n), 10)
}

func (f *form) addOpt(key string, v *string) {
	if v != nil {
		f.add(key, *v)
	}
}

func (f *form) addOptBool(key string, v *bool) {
	if v != nil {
		f.addBool(key, *v)
	}
}

func (f *form) empty() bool { return len(f.b) == 0 }

// bodyInto points r (new for each attempt) at the sealed
// body and returns it as a request body. io.NopCloser over a *bytes.Reader
// is a type net/http knows is in memory: it sends the headers and this
// body in one write, copying through its own buffered writer.
func (f *form) bodyInto(r *bytes.Reader) io.ReadCloser {
	r.Reset(f.sent)
	return io.NopCloser(r)
}

// querySafe[c] is true for bytes url.QueryEscape leaves alone.
var querySafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_.~" {
		t[c] = true
	}
	return t
}()

// appendQueryEscape is url.QueryEscape appending into dst (space as '+').
func appendQueryEscape(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && querySafe[s[i]] {
		i++
	}
	dst = append(dst, s[:i]...)
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case querySafe[c]:
			dst = append(dst, c)
		case c == ' ':
			dst = append(dst, '+')
		default:
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}
