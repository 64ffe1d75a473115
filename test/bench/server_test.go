package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// What every benchmark asks for.
const (
	apiKey      = "key-0123456789abcdef0123456789abcdef"
	benchDomain = "example.com"

	// ListRoutes reads routesPages pages of routesPerPage routes per op.
	routesPerPage = 20
	routesPages   = 3
	routesTotal   = routesPerPage * routesPages
)

// The answers, in the exact shapes docs/mailgun-api.md records (the same shapes as
// the fixtures in internal/mailgun/mailguntest).

// The domain object is the client tests' own fixture (the same bytes the
// published figures were measured with).
const domainObj = mailguntest.FixtureDomain

// GET /v4/domains/{name}
const getDomainAnswer = `{"domain": ` + domainObj + `,
  "sending_dns_records": [
    {"record_type": "TXT", "name": "example.com", "value": "v=spf1 include:mailgun.org ~all", "priority": "", "valid": "unknown", "is_active": true, "cached": []},
    {"record_type": "TXT", "name": "mx._domainkey.example.com", "value": "k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC", "valid": "unknown", "is_active": true, "cached": []},
    {"record_type": "CNAME", "name": "email.example.com", "value": "mailgun.org", "valid": "unknown", "is_active": false, "cached": []}
  ],
  "receiving_dns_records": [
    {"record_type": "MX", "name": "example.com", "value": "mxa.mailgun.org", "priority": "10", "valid": "valid", "is_active": true, "cached": ["mxa.mailgun.org"]},
    {"record_type": "MX", "name": "example.com", "value": "mxb.mailgun.org", "priority": "10", "valid": "invalid", "is_active": true, "cached": []}
  ]
}
`

// GET /v3/domains/{d}/webhooks: current {"urls": [...]} entries and one
// legacy {"url": ...}.
const listWebhooksAnswer = `{"webhooks": {
  "delivered": {"urls": ["https://hooks.example.com/delivered", "https://backup.example.com/delivered"]},
  "opened": {"url": "https://hooks.example.com/opened"},
  "clicked": {"urls": ["https://hooks.example.com/clicked"]},
  "permanent_fail": {"urls": ["https://hooks.example.com/fail", "https://backup.example.com/fail", "https://third.example.com/fail"]},
  "temporary_fail": {"urls": ["https://hooks.example.com/fail"]}
}}
`

// The route every benchmark creates, and how Mailgun answers it.
const (
	routePriority    = 10
	routeDescription = "owner=2f0c1c3e-7b1a-4d8e-9f00-5a6b7c8d9e0f"
	routeExpression  = `match_recipient(".*@example.com")`
	routeAction1     = `forward("https://in.example.com/mail")`
	routeAction2     = `stop()`
	routeID          = "4f3bad2335335426750048c6"
)

// POST /v3/routes
const createRouteAnswer = `{"message": "Route has been created", "route": {
  "actions": ["forward(\"https://in.example.com/mail\")", "stop()"],
  "created_at": "Wed, 15 Feb 2012 13:03:31 GMT",
  "description": "owner=2f0c1c3e-7b1a-4d8e-9f00-5a6b7c8d9e0f",
  "expression": "match_recipient(\".*@example.com\")",
  "id": "4f3bad2335335426750048c6",
  "priority": 10
}}
`

// PUT /v4/domains/{name}
const updateDomainAnswer = `{"message": "Domain has been updated"}` + "\n"

const notFoundAnswer = `{"message": "Not Found"}` + "\n"

const unauthorizedAnswer = `{"message": "Invalid private key"}` + "\n"

// routesPage renders page i (0-based) of GET /v3/routes?skip&limit.
func routesPage(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"total_count": %d, "items": [`, routesTotal)
	if i < routesPages {
		for j := range routesPerPage {
			n := i*routesPerPage + j
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `
  {"actions": ["forward(\"https://in.example.com/r%02d\")", "stop()"], "created_at": "Wed, 15 Feb 2012 13:03:31 GMT", "description": "owner=uid-%02d", "expression": "match_recipient(\"r%02d@example.com\")", "id": "4f3bad23353354267500%04d", "priority": %d}`,
				n, n, n, n, n%5)
		}
	}
	b.WriteString("]}\n")
	return b.String()
}

// routeIDOf is the id of the n-th route of the list.
func routeIDOf(n int) string { return fmt.Sprintf("4f3bad23353354267500%04d", n) }

// answer is a canned 200 answer with its header values precomputed, so the
// server adds the same (small) cost to every request of either client.
type answer struct {
	status int
	body   []byte
	length []string
}

func newAnswer(status int, body string) *answer {
	return &answer{status: status, body: []byte(body), length: []string{strconv.Itoa(len(body))}}
}

var (
	jsonType = []string{"application/json"}

	ansGetDomain    = newAnswer(http.StatusOK, getDomainAnswer)
	ansListWebhooks = newAnswer(http.StatusOK, listWebhooksAnswer)
	ansCreateRoute  = newAnswer(http.StatusOK, createRouteAnswer)
	ansUpdateDomain = newAnswer(http.StatusOK, updateDomainAnswer)
	ansNotFound     = newAnswer(http.StatusNotFound, notFoundAnswer)
	ansUnauthorized = newAnswer(http.StatusUnauthorized, unauthorizedAnswer)
	ansRoutesPages  = func() []*answer {
		out := make([]*answer, routesPages+1) // the last one is past the end: empty
		for i := range out {
			out[i] = newAnswer(http.StatusOK, routesPage(i))
		}
		return out
	}()
	ansBadRequest = newAnswer(http.StatusBadRequest, `{"message": "bad skip or limit"}`+"\n")
)

// wantAuth is the Authorization header both clients must send.
var wantAuth = "Basic " + basicAuth("api", apiKey)

// cannedServer answers the five requests the benchmarks make, counts new
// TCP connections and requests, and hands each request to check (tests
// only; nil in benchmarks).
//
// The handler only routes (method + path), checks the Authorization header
// and reads the request body to its end, as any server must for the
// connection to be reused. It does not parse forms: when it runs in the
// test's process (the equivalence tests, BENCH_SERVER=inprocess) that cost
// would land in both clients' figures, more in mailgun-go's, which sends
// one request as multipart.
type cannedServer struct {
	*httptest.Server
	newConns atomic.Int64 // connections accepted
	closed   atomic.Int64 // connections closed (by either side)
	requests atomic.Int64
	check    func(r *http.Request, body []byte)
}

// newCannedServer starts a canned server in this process, closed when the
// test ends.
func newCannedServer(tb testing.TB) *cannedServer {
	tb.Helper()
	s := startCannedServer()
	tb.Cleanup(s.Close)
	return s
}

// startCannedServer starts a canned server; the caller closes it.
func startCannedServer() *cannedServer {
	s := &cannedServer{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.newConns.Add(1)
		case http.StateClosed, http.StateHijacked:
			s.closed.Add(1)
		}
	}
	srv.Start()
	s.Server = srv
	return s
}

// stats reads the counters.
func (s *cannedServer) stats() serverStats {
	return serverStats{NewConns: s.newConns.Load(), Closed: s.closed.Load(), Requests: s.requests.Load()}
}

func (s *cannedServer) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.check != nil {
		body, _ := io.ReadAll(r.Body)
		s.check(r, body)
	} else {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	a := s.route(r)
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = a.length
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

func (s *cannedServer) route(r *http.Request) *answer {
	if r.Header.Get("Authorization") != wantAuth {
		return ansUnauthorized
	}
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && p == "/v4/domains/"+benchDomain:
		return ansGetDomain
	case r.Method == http.MethodPut && p == "/v4/domains/"+benchDomain:
		return ansUpdateDomain
	case r.Method == http.MethodGet && p == "/v3/domains/"+benchDomain+"/webhooks":
		return ansListWebhooks
	case r.Method == http.MethodPost && p == "/v3/routes":
		return ansCreateRoute
	case r.Method == http.MethodGet && p == "/v3/routes":
		skip, limit := queryInt(r.URL.RawQuery, "skip"), queryInt(r.URL.RawQuery, "limit")
		if limit != routesPerPage || skip < 0 || skip%routesPerPage != 0 {
			return ansBadRequest
		}
		return ansRoutesPages[min(skip/routesPerPage, routesPages)]
	}
	return ansNotFound
}

// queryInt reads an integer parameter of a raw query without allocating;
// absent is 0, malformed is -1.
func queryInt(raw, key string) int {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			n, err := strconv.Atoi(v)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return 0
}
