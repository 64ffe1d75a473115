// Package mailguntest is an in-memory Mailgun API for tests: the endpoints
// the operator uses, with Mailgun's JSON shapes, status codes, limits and
// quirks, plus call counting and fault injection per operation.
//
// It deliberately does not import the client (internal/mailgun): the two are
// written separately from the API description so that they check each other
// instead of merely agreeing.
package mailguntest

import (
	"crypto/subtle"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of a started server (NewServer); empty for
	// NewHandler, whose owner knows where it listens.
	URL string

	ts        *httptest.Server
	mux       *http.ServeMux
	tmux      *http.ServeMux // the template endpoints (see templateEndpoints)
	closing   chan struct{}  // closed by Close so delayed calls stop waiting
	closeOnce sync.Once
	now       func() time.Time

	mu                  sync.Mutex // guards everything below
	apiKey              string
	calls               map[Op]int
	writes, total       int
	faults              map[Op][]*pendingFault
	notFoundAfterCreate time.Duration
	succeeded           map[Op]int // 2xx answers served, lost ones included (see Succeeded)
	rd                  readings
	st                  state
}

// endpoint is one row of the API table: the single place that says which
// method and path make which operation.
type endpoint struct {
	method, pattern string
	op              Op
	serve           func(*Server, http.ResponseWriter, *http.Request)
}

var endpoints = []endpoint{
	{http.MethodGet, "/v4/domains", OpListDomains, (*Server).listDomains},
	{http.MethodPost, "/v4/domains", OpCreateDomain, (*Server).createDomain},
	{http.MethodGet, "/v4/domains/{name}", OpGetDomain, (*Server).getDomain},
	{http.MethodPut, "/v4/domains/{name}", OpUpdateDomain, (*Server).updateDomain},
	{http.MethodPut, "/v4/domains/{name}/verify", OpVerifyDomain, (*Server).verifyDomain},
	{http.MethodDelete, "/v3/domains/{name}", OpDeleteDomain, (*Server).deleteDomain},

	{http.MethodGet, "/v3/domains/{name}/tracking", OpGetTracking, (*Server).getTracking},
	{http.MethodPut, "/v3/domains/{name}/tracking/click", OpSetClickTracking, (*Server).setClickTracking},
	{http.MethodPut, "/v3/domains/{name}/tracking/open", OpSetOpenTracking, (*Server).setOpenTracking},
	{http.MethodPut, "/v3/domains/{name}/tracking/unsubscribe", OpSetUnsubscribeTracking, (*Server).setUnsubscribeTracking},
	{http.MethodPut, "/v3/domains/{name}/dkim_selector", OpSetDKIMSelector, (*Server).setDKIMSelector},
	{http.MethodPut, "/v3/domains/{name}/dkim_authority", OpSetDKIMAuthority, (*Server).setDKIMAuthority},

	{http.MethodGet, "/v3/domains/{name}/webhooks", OpListWebhooks, (*Server).listWebhooks},
	{http.MethodPost, "/v3/domains/{name}/webhooks", OpCreateWebhook, (*Server).createWebhook},
	{http.MethodGet, "/v3/domains/{name}/webhooks/{event}", OpGetWebhook, (*Server).getWebhook},
	{http.MethodPut, "/v3/domains/{name}/webhooks/{event}", OpUpdateWebhook, (*Server).updateWebhook},
	{http.MethodDelete, "/v3/domains/{name}/webhooks/{event}", OpDeleteWebhook, (*Server).deleteWebhook},

	{http.MethodPost, "/v3/routes", OpCreateRoute, (*Server).createRoute},
	{http.MethodGet, "/v3/routes", OpListRoutes, (*Server).listRoutes},
	{http.MethodGet, "/v3/routes/{id}", OpGetRoute, (*Server).getRoute},
	{http.MethodPut, "/v3/routes/{id}", OpUpdateRoute, (*Server).updateRoute},
	{http.MethodDelete, "/v3/routes/{id}", OpDeleteRoute, (*Server).deleteRoute},

	{http.MethodGet, "/v3/domains/{name}/credentials", OpListCredentials, (*Server).listCredentials},
	{http.MethodPost, "/v3/domains/{name}/credentials", OpCreateCredential, (*Server).createCredential},
	{http.MethodPut, "/v3/domains/{name}/credentials/{login}", OpUpdateCredential, (*Server).updateCredential},
	{http.MethodDelete, "/v3/domains/{name}/credentials/{login}", OpDeleteCredential, (*Server).deleteCredential},

	{http.MethodPost, "/v3/lists", OpCreateList, (*Server).createList},
	{http.MethodGet, "/v3/lists/{address}", OpGetList, (*Server).getList},
	{http.MethodPut, "/v3/lists/{address}", OpUpdateList, (*Server).updateList},
	{http.MethodDelete, "/v3/lists/{address}", OpDeleteList, (*Server).deleteList},
	{http.MethodGet, "/v3/lists/{address}/members/pages", OpListMembers, (*Server).listMembers},
	{http.MethodPost, "/v3/lists/{address}/members.json", OpAddMembers, (*Server).addMembers},
	{http.MethodDelete, "/v3/lists/{address}/members/{member}", OpDeleteMember, (*Server).deleteMember},
}

// NewServer starts an emulator on a loopback port; s.URL is its base URL.
func NewServer(apiKey string) *Server {
	s := NewHandler(apiKey)
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// NewHandler returns an emulator that is not listening anywhere, for a
// caller that serves it itself (the standalone command) via ServeHTTP.
func NewHandler(apiKey string) *Server {
	s := &Server{
		mux:     http.NewServeMux(),
		tmux:    http.NewServeMux(),
		closing: make(chan struct{}),
		now:     time.Now,
		apiKey:  apiKey,
		calls:   map[Op]int{},
		faults:  map[Op][]*pendingFault{},
		st:      newState(),
	}
	// ServeMux matches {wildcards} against single escaped segments and
	// PathValue unescapes them, so "a%2Fb" is one domain named "a/b"
	// (TestEscapedSegments checks this). Each path also gets a method-less
	// pattern so a wrong method gets Mailgun-style JSON instead of the mux's
	// text 405, and "/" catches everything else as a JSON 404.
	s.register(s.mux, endpoints)
	s.register(s.tmux, templateEndpoints)
	s.tmux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		noSuchEndpoint(w)
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		noSuchEndpoint(w)
	})
	return s
}

// handleFallback registers the method-less 405 pattern of a path. ServeMux
// refuses one that overlaps another path's methods ("…/members/pages" and
// "DELETE …/members/{member}" of the mailing lists): such a path keeps the
// mux's own 405 instead.
func handleFallback(mux *http.ServeMux, pattern string, h http.HandlerFunc) {
	defer func() { _ = recover() }()
	mux.HandleFunc(pattern, h)
}

// register adds a table of endpoints to mux.
func (s *Server) register(mux *http.ServeMux, eps []endpoint) {
	allowed := map[string][]string{}
	var order []string
	for _, e := range eps {
		mux.Handle(e.method+" "+e.pattern, s.operation(e))
		if _, ok := allowed[e.pattern]; !ok {
			order = append(order, e.pattern)
		}
		allowed[e.pattern] = append(allowed[e.pattern], e.method)
	}
	for _, p := range order {
		methods := allowed[p]
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		handleFallback(mux, p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeMessage(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		})
	}
}

// ServeHTTP answers one API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// ServeMux would answer an unclean path ("//", "/./", "/../") with a
	// redirect; Mailgun has no such paths, so say 404 like for any other.
	if p := r.URL.EscapedPath(); p != cleanPath(p) {
		noSuchEndpoint(w)
		return
	}
	if isTemplatePath(r.URL.EscapedPath()) {
		s.tmux.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// noSuchEndpoint answers a path the API does not have: a 404 without JSON,
// which Mailgun documents as "a mistake in the API request, such as a
// non-existing endpoint", unlike its JSON 404 for a missing object
// (docs/mailgun-api.md, "Errors and status codes").
func noSuchEndpoint(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found\n"))
}

// cleanPath is path.Clean keeping a trailing slash, as ServeMux cleans.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// Close stops a started server and releases delayed calls. It is safe to
// call more than once and on a NewHandler server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		if s.ts != nil {
			s.ts.Close()
		}
	})
}

// operation wraps one endpoint: count the call, check the key, act out a
// queued fault, then serve. Counting comes first so tests see every call
// the client made, including refused and faulted ones.
func (s *Server) operation(e endpoint) http.Handler {
	write := e.method != http.MethodGet
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls[e.op]++
		s.total++
		if write {
			s.writes++
		}
		s.st.sweepDeleted(s.now())
		authorized := s.authorized(r)
		textAuth := s.rd.unauthorizedText
		var f Fault
		var faulted bool
		if authorized {
			// An unauthenticated call never gets as far as Mailgun's rate
			// limiter or backends, so it does not use up a fault.
			f, faulted = s.takeFault(e.op)
		}
		s.mu.Unlock()

		if !authorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="MG API"`)
			if textAuth {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte("Forbidden"))
				return
			}
			writeMessage(w, http.StatusUnauthorized, "Forbidden")
			return
		}
		if faulted && f.AfterApply {
			s.serveThenFault(w, r, f, func(w http.ResponseWriter, r *http.Request) { s.serveCounted(e, w, r) })
			return
		}
		if faulted && s.applyFault(w, r, f) {
			return
		}
		if webhookOps[e.op] && s.webhookErrorKey() == ErrorReason {
			w = &reasonWriter{ResponseWriter: w}
		}
		s.serveCounted(e, w, r)
	})
}

// webhookOps are the operations whose 4xx answers SetWebhookErrorKey shapes.
var webhookOps = map[Op]bool{OpListWebhooks: true, OpCreateWebhook: true, OpGetWebhook: true, OpUpdateWebhook: true, OpDeleteWebhook: true}

func (s *Server) webhookErrorKey() ErrorKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rd.webhookErr
}

// authorized checks HTTP Basic auth: user "api", password the current key.
// Call with s.mu held.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "api" || s.apiKey == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(pass), []byte(s.apiKey)) == 1
}

// SetAPIKey replaces the accepted key: calls with the old one answer 401.
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// Calls returns how many calls of op reached the emulator since the last
// ResetCalls, whatever their outcome.
func (s *Server) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Writes returns how many calls used a method other than GET: the number a
// test asserts to be zero for an in-sync reconcile.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// TotalCalls returns the number of calls of all operations.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCalls zeroes every counter.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.calls)
	clear(s.succeeded)
	s.writes, s.total = 0, 0
}

// locked runs fn with the lock held and writes its answer after releasing
// it. Handlers parse their input before calling it.
func (s *Server) locked(w http.ResponseWriter, fn func() answer) {
	s.mu.Lock()
	a := fn()
	s.mu.Unlock()
	a.write(w)
}
