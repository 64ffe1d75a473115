package mailguntest

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Fault describes how the next calls of one operation misbehave. Faults
// injected for the same op are used in order; each one lasts Times calls.
//
// The parts combine in this order: wait Delay (cut short when the client
// gives up or the server closes), then drop the connection, or else answer
// Status (429 when only RateLimitReset is set) with Body. A Fault with only a
// Delay slows the call down and then serves it normally.
type Fault struct {
	Status         int           // answer this status instead of serving the call
	Times          int           // how many calls this fault affects; <= 0 means 1
	RateLimitReset time.Time     // sends X-RateLimit-Reset (epoch seconds, fractional) and Retry-After; implies 429
	Delay          time.Duration // wait before answering, respecting the request's context
	DropConnection bool          // hijack the connection and close it without answering (see below)
	Body           string        // answer body verbatim; default {"message": "<status text>"}

	// Header is added to the faulted answer after the rate-limit headers, so
	// it can also replace them (for example only a Retry-After HTTP date).
	// Addition to the contract.
	Header http.Header

	// AfterApply serves the call first and only then acts out Delay and
	// DropConnection on its answer: the write is made in Mailgun, but a
	// client whose timeout is shorter than Delay, or whose connection is
	// dropped, never hears of it. Status, RateLimitReset, Body and Header are
	// ignored. This is a lost answer, the case a non-idempotent create must
	// survive without making a second object. Addition to the contract.
	AfterApply bool
}

type pendingFault struct {
	Fault
	left int
}

// InjectFault queues f for op behind any faults already queued for it.
func (s *Server) InjectFault(op Op, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.Header = f.Header.Clone()
	s.faults[op] = append(s.faults[op], &pendingFault{Fault: f, left: max(f.Times, 1)})
}

// ClearFaults drops every queued fault (not SetNotFoundAfterCreate).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// SetNotFoundAfterCreate makes GetDomain and GetRoute answer 404 for d after
// the object's create through the API, as Mailgun's eventual consistency
// sometimes does. Zero turns it off. Objects made with PutDomain/PutRoute are
// never hidden.
func (s *Server) SetNotFoundAfterCreate(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notFoundAfterCreate = d
}

// hiddenAfterCreate reports whether an object created at t is still inside
// the not-found window. Call with s.mu held.
func (s *Server) hiddenAfterCreate(t time.Time) bool {
	return s.notFoundAfterCreate > 0 && !t.IsZero() && s.now().Sub(t) < s.notFoundAfterCreate
}

// takeFault consumes one use of op's first queued fault. Call with s.mu held.
func (s *Server) takeFault(op Op) (Fault, bool) {
	q := s.faults[op]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	f.left--
	if f.left == 0 {
		q[0] = nil
		s.faults[op] = q[1:]
		if len(s.faults[op]) == 0 {
			delete(s.faults, op)
		}
	}
	return f.Fault, true
}

// applyFault acts out f without holding the lock and reports whether the call
// has been dealt with (answered, dropped or abandoned by its client). When it
// returns false the call is served normally.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if !s.hold(r, f.Delay) {
		return true // nobody is left to answer
	}
	if f.DropConnection {
		dropConnection(w)
		return true
	}
	status := f.Status
	if status == 0 && !f.RateLimitReset.IsZero() {
		status = http.StatusTooManyRequests
	}
	if status == 0 {
		return false
	}
	h := w.Header()
	if !f.RateLimitReset.IsZero() {
		reset := f.RateLimitReset
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', -1, 64))
		wait := max(math.Ceil(time.Until(reset).Seconds()), 0)
		h.Set("Retry-After", strconv.FormatFloat(wait, 'f', 0, 64))
	}
	for k, vs := range f.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if f.Body != "" {
		answer{status: status, body: []byte(f.Body)}.write(w)
	} else {
		writeMessage(w, status, http.StatusText(status))
	}
	return true
}

// serveThenFault serves the call into a buffer, so its write is applied, and
// then acts out f's Delay and DropConnection before the answer can reach the
// client (see Fault.AfterApply).
func (s *Server) serveThenFault(w http.ResponseWriter, r *http.Request, f Fault, serve func(http.ResponseWriter, *http.Request)) {
	rec := httptest.NewRecorder()
	serve(rec, r)
	if !s.hold(r, f.Delay) {
		return // the answer is lost, the write stays
	}
	if f.DropConnection {
		dropConnection(w)
		return
	}
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// Succeeded returns how many calls of op were served with a 2xx answer since
// the last ResetCalls, including answers a fault then held or dropped
// (Fault.AfterApply): for a create, how many objects it really made, which
// Calls cannot tell when faults spoil some calls.
func (s *Server) Succeeded(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.succeeded[op]
}

// serveCounted serves a call and counts it in Succeeded when it answered 2xx.
func (s *Server) serveCounted(e endpoint, w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	e.serve(s, sw, r)
	if sw.status/100 == 2 {
		s.mu.Lock()
		if s.succeeded == nil {
			s.succeeded = map[Op]int{}
		}
		s.succeeded[e.op]++
		s.mu.Unlock()
	}
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// dropConnection closes the connection without a response, which a client
// sees as EOF or a reset. Where hijacking is impossible (HTTP/2), aborting
// the handler has the same effect on the stream.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// hold waits d before a faulted answer and reports whether anyone is still
// there to answer: false when the client gave up or the server is closing.
func (s *Server) hold(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}
