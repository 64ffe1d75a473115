package mailgun

import (
	"io"
	"strconv"
	"sync"
	"sync/atomic"
)

// form is an application/x-www-form-urlencoded body built by appending into
// a pooled buffer: no url.Values map, no intermediate strings. Repeated keys
// (url, action) are appended once per value, never comma-joined.
//
// Lifetime: http.RoundTripper may read and close a request body after
// RoundTrip has returned (HTTP/1 write loop), and an idempotent call sends
// the same form again on retry. So the buffer is reference counted: the call
// holds one reference, every body handed to the transport holds one, and the
// last release puts the buffer back in the pool.
type form struct {
	b       []byte
	refs    atomic.Int32
	getBody func() (io.ReadCloser, error) // f.newBody, bound once per pooled form
}

// maxPooledForm keeps one huge body (4 KiB route expressions are the
// largest expected) from pinning memory in the pool forever.
const maxPooledForm = 64 << 10

var formPool = sync.Pool{New: func() any {
	f := &form{b: make([]byte, 0, 512)}
	f.getBody = f.newBody
	return f
}}

// newForm returns an empty form holding the caller's reference.
func newForm() *form {
	f := formPool.Get().(*form)
	f.b = f.b[:0]
	f.refs.Store(1)
	return f
}

// release drops one reference. The buffer is wiped before reuse because it
// may hold a password.
func (f *form) release() {
	if f.refs.Add(-1) != 0 {
		return
	}
	clear(f.b)
	if cap(f.b) <= maxPooledForm {
		formPool.Put(f)
	}
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

// newBody returns a fresh reader over the form holding its own reference;
// it is also Request.GetBody, which lets the transport resend a request it
// could not write on a stale keep-alive connection.
func (f *form) newBody() (io.ReadCloser, error) {
	f.refs.Add(1)
	return &formBody{f: f}, nil
}

// bodyInto is newBody into a reader the caller provides (a field of the
// attempt's one allocation), so sending a form allocates no reader.
func (f *form) bodyInto(r *formBody) io.ReadCloser {
	f.refs.Add(1)
	r.f, r.off, r.closed = f, 0, false
	return r
}

// formBody reads a form once and releases it on the first Close. The mutex
// is uncontended in practice; it exists because a transport may Close from
// one goroutine (cancellation) while its writer still Reads in another, and
// the buffer must not go back to the pool under a running Read.
type formBody struct {
	mu     sync.Mutex
	f      *form
	off    int
	closed bool
}

func (r *formBody) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, io.ErrClosedPipe
	}
	if r.off >= len(r.f.b) {
		return 0, io.EOF
	}
	n := copy(p, r.f.b[r.off:])
	r.off += n
	return n, nil
}

func (r *formBody) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		r.f.release()
	}
	return nil
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
