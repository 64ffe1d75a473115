package metricsauth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// fakeAPI plays the API server's TokenReview and SubjectAccessReview
// endpoints: it knows some tokens, allows some (user, verb, path), counts
// the calls and keeps the last reviews it was sent.
type fakeAPI struct {
	mu sync.Mutex
	// users are the known tokens.
	users map[string]authnv1.UserInfo
	// allowed and denied are "user verb path"; anything else has no opinion.
	allowed, denied map[string]bool
	// failTR and failSAR make the endpoint answer 500.
	failTR, failSAR   bool
	trCalls, sarCalls int
	lastTR            authnv1.TokenReviewSpec
	lastSAR           authzv1.SubjectAccessReviewSpec
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost {
		http.Error(w, "want POST", http.StatusMethodNotAllowed)
		return
	}
	fail := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_ = json.NewEncoder(w).Encode(metav1.Status{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
			Status:   metav1.StatusFailure, Code: http.StatusInternalServerError,
			Reason: metav1.StatusReasonInternalError, Message: "etcd is away",
		})
	}
	var out any
	switch r.URL.Path {
	case "/apis/authentication.k8s.io/v1/tokenreviews":
		f.trCalls++
		if f.failTR {
			fail()
			return
		}
		var tr authnv1.TokenReview
		if err := json.NewDecoder(r.Body).Decode(&tr); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.lastTR = tr.Spec
		u, ok := f.users[tr.Spec.Token]
		tr.Status = authnv1.TokenReviewStatus{Authenticated: ok, User: u}
		if !ok {
			tr.Status.Error = "invalid bearer token"
		}
		out = tr
	case "/apis/authorization.k8s.io/v1/subjectaccessreviews":
		f.sarCalls++
		if f.failSAR {
			fail()
			return
		}
		var sar authzv1.SubjectAccessReview
		if err := json.NewDecoder(r.Body).Decode(&sar); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.lastSAR = sar.Spec
		key := "?"
		if na := sar.Spec.NonResourceAttributes; na != nil {
			key = sar.Spec.User + " " + na.Verb + " " + na.Path
		}
		sar.Status = authzv1.SubjectAccessReviewStatus{Allowed: f.allowed[key], Denied: f.denied[key]}
		out = sar
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeAPI) calls() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.trCalls, f.sarCalls
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	readerToken = "reader-token"
	nobodyToken = "nobody-token"
	banned      = "banned-token"
	readerName  = "system:serviceaccount:monitoring:prometheus"
)

// setup starts a fake API server and returns a handler that counts the
// scrapes it serves, behind the filter.
func setup(t *testing.T, max int) (*fakeAPI, *fakeClock, *auth, http.Handler, *int) {
	t.Helper()
	api := &fakeAPI{
		users: map[string]authnv1.UserInfo{
			readerToken: {Username: readerName, UID: "uid-1",
				Groups: []string{"system:serviceaccounts", "system:serviceaccounts:monitoring"},
				Extra:  map[string]authnv1.ExtraValue{"authentication.kubernetes.io/pod-name": {"prometheus-0"}}},
			nobodyToken: {Username: "nobody"},
			banned:      {Username: "banned", Groups: []string{allAuthenticated}},
		},
		allowed: map[string]bool{readerName + " get /metrics": true, "banned get /metrics": true},
		denied:  map[string]bool{"banned get /metrics": true},
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := newAuth(testConfig(srv.URL), srv.Client(), clock.now, max)
	if err != nil {
		t.Fatal(err)
	}
	served := new(int)
	h, err := a.filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*served++
		if r.Header.Get("Authorization") != "" {
			t.Error("the wrapped handler saw the Authorization header")
		}
		_, _ = io.WriteString(w, "mailgun_requests_total 1\n")
	}))
	if err != nil {
		t.Fatal(err)
	}
	return api, clock, a, h, served
}

// testConfig reaches the fake in JSON (client-go asks for protobuf by
// default, which the real API server speaks and the fake does not), with no
// client-side rate limit, so the bound test is quick.
func testConfig(host string) *rest.Config {
	return &rest.Config{Host: host, QPS: -1, ContentConfig: rest.ContentConfig{
		ContentType: "application/json", AcceptContentTypes: "application/json"}}
}

func scrape(h http.Handler, method, path, authz string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// step is one scrape; the counts are cumulative over the scenario.
type step struct {
	advance         time.Duration
	failTR, failSAR bool
	method, path    string // GET /metrics when empty
	auth            string
	code            int
	body            string // a substring of the answer
	tr, sar, served int
}

func TestFilter(t *testing.T) {
	bearer := func(tok string) string { return "Bearer " + tok }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"no token: 401 and no API call", []step{
			{auth: "", code: 401},
			{auth: "Bearer", code: 401},
			{auth: "Bearer   ", code: 401},
			{auth: "Basic dXNlcjpwYXNz", code: 401},
		}},
		{"unknown token: 401, cached 10 s", []step{
			{auth: bearer("bogus"), code: 401, body: "Unauthorized", tr: 1},
			{advance: 9 * time.Second, auth: bearer("bogus"), code: 401, tr: 1},
			{advance: time.Second, auth: bearer("bogus"), code: 401, tr: 2},
		}},
		{"known token, no opinion: 403, denial cached 30 s", []step{
			{auth: bearer(nobodyToken), code: 403, body: "Authorization denied for user nobody", tr: 1, sar: 1},
			{advance: 29 * time.Second, auth: bearer(nobodyToken), code: 403, tr: 1, sar: 1},
			{advance: time.Second, auth: bearer(nobodyToken), code: 403, tr: 1, sar: 2},
		}},
		{"explicitly denied wins over allowed: 403", []step{
			{auth: bearer(banned), code: 403, body: "Authorization denied for user banned", tr: 1, sar: 1},
		}},
		{"allowed: 200, token cached 1 min, decision 5 min", []step{
			{auth: bearer(readerToken), code: 200, body: "mailgun_requests_total", tr: 1, sar: 1, served: 1},
			{auth: "bearer " + readerToken, code: 200, tr: 1, sar: 1, served: 2},
			{advance: 59 * time.Second, auth: bearer(readerToken), code: 200, tr: 1, sar: 1, served: 3},
			{advance: time.Second, auth: bearer(readerToken), code: 200, tr: 2, sar: 1, served: 4},
			{advance: 4 * time.Minute, auth: bearer(readerToken), code: 200, tr: 3, sar: 2, served: 5},
		}},
		{"the path and verb are authorized, not just the user", []step{
			{auth: bearer(readerToken), path: "/debug", code: 403, tr: 1, sar: 1},
			{auth: bearer(readerToken), method: http.MethodHead, code: 403, tr: 1, sar: 2},
			{auth: bearer(readerToken), code: 200, tr: 1, sar: 3, served: 1},
		}},
		{"TokenReview fails: 500, nothing cached, next scrape retries", []step{
			{failTR: true, auth: bearer(readerToken), code: 500, body: "Authentication failed", tr: 1},
			{failTR: true, auth: bearer(readerToken), code: 500, tr: 2},
			{auth: bearer(readerToken), code: 200, tr: 3, sar: 1, served: 1},
		}},
		{"SubjectAccessReview fails: 500, nothing cached, next scrape retries", []step{
			{failSAR: true, auth: bearer(readerToken), code: 500, body: "Authorization for user " + readerName + " failed", tr: 1, sar: 1},
			{auth: bearer(readerToken), code: 200, tr: 1, sar: 2, served: 1},
			{failSAR: true, auth: bearer(readerToken), code: 200, tr: 1, sar: 2, served: 2},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, clock, _, h, served := setup(t, maxEntries)
			for i, s := range tc.steps {
				clock.advance(s.advance)
				api.mu.Lock()
				api.failTR, api.failSAR = s.failTR, s.failSAR
				api.mu.Unlock()
				method, path := s.method, s.path
				if method == "" {
					method = http.MethodGet
				}
				if path == "" {
					path = "/metrics"
				}
				rec := scrape(h, method, path, s.auth)
				if rec.Code != s.code {
					t.Errorf("step %d: code %d, want %d (%q)", i, rec.Code, s.code, rec.Body.String())
				}
				if !strings.Contains(rec.Body.String(), s.body) {
					t.Errorf("step %d: body %q lacks %q", i, rec.Body.String(), s.body)
				}
				if s.code == 401 && rec.Header().Get("WWW-Authenticate") == "" {
					t.Errorf("step %d: 401 without WWW-Authenticate", i)
				}
				tr, sar := api.calls()
				if tr != s.tr || sar != s.sar || *served != s.served {
					t.Errorf("step %d: %d TokenReviews, %d SubjectAccessReviews, %d served; want %d, %d, %d",
						i, tr, sar, *served, s.tr, s.sar, s.served)
				}
			}
		})
	}
}

// TestReviewBodies checks what the API server is asked: the token without
// audiences, then the user's name, UID, groups (with system:authenticated
// added), extra, and the path with the lower-case method.
func TestReviewBodies(t *testing.T) {
	api, _, _, h, _ := setup(t, maxEntries)
	if rec := scrape(h, http.MethodGet, "/metrics", "Bearer "+readerToken); rec.Code != 200 {
		t.Fatalf("code %d: %s", rec.Code, rec.Body)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.lastTR.Token != readerToken || len(api.lastTR.Audiences) != 0 {
		t.Errorf("TokenReview spec %+v, want the token and no audiences", api.lastTR)
	}
	got := api.lastSAR
	want := authzv1.SubjectAccessReviewSpec{
		User:                  readerName,
		UID:                   "uid-1",
		Groups:                []string{"system:serviceaccounts", "system:serviceaccounts:monitoring", allAuthenticated},
		Extra:                 map[string]authzv1.ExtraValue{"authentication.kubernetes.io/pod-name": {"prometheus-0"}},
		NonResourceAttributes: &authzv1.NonResourceAttributes{Path: "/metrics", Verb: "get"},
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("SubjectAccessReview spec\n got %s\nwant %s", gb, wb)
	}
	if got.ResourceAttributes != nil {
		t.Errorf("SubjectAccessReview has resource attributes %+v", got.ResourceAttributes)
	}
}

// TestRandomTokensBounded: a scraper sending a new token each time (each one
// rejected) never grows the cache past its bound, and a real token still
// works afterwards.
func TestRandomTokensBounded(t *testing.T) {
	const max = 16
	api, clock, a, h, served := setup(t, max)
	for i := range 200 {
		if i%50 == 0 {
			clock.advance(time.Second) // some entries expire as it goes
		}
		if rec := scrape(h, http.MethodGet, "/metrics", fmt.Sprintf("Bearer random-%d", i)); rec.Code != 401 {
			t.Fatalf("token %d: code %d", i, rec.Code)
		}
		if n := a.users.len(); n > max {
			t.Fatalf("after token %d the cache holds %d entries, bound %d", i, n, max)
		}
	}
	if tr, _ := api.calls(); tr != 200 {
		t.Errorf("%d TokenReviews for 200 different tokens", tr)
	}
	if rec := scrape(h, http.MethodGet, "/metrics", "Bearer "+readerToken); rec.Code != 200 || *served != 1 {
		t.Errorf("the reader's scrape: code %d, served %d", rec.Code, *served)
	}
	if n := a.users.len(); n != max {
		t.Errorf("the cache holds %d entries, want it full at %d", n, max)
	}
}

// TestCacheEviction: a full cache drops expired entries first, then the
// entry closest to expiring; the key is the SHA-256 of the token, never the
// token.
func TestCacheEviction(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		ttls map[string]time.Duration // the three entries already there
		at   time.Duration            // when the fourth comes
		want []string                 // keys left after it came
	}{
		{"expired go first", map[string]time.Duration{"a": 10 * time.Second, "b": time.Second, "c": 2 * time.Second}, 3 * time.Second,
			[]string{"a", "new"}},
		{"then the one closest to expiring", map[string]time.Duration{"a": 10 * time.Second, "b": 5 * time.Second, "c": 20 * time.Second}, time.Second,
			[]string{"a", "c", "new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTTLCache[int](3)
			for k, ttl := range tc.ttls {
				c.put(k, 1, t0, ttl)
			}
			c.put("new", 2, t0.Add(tc.at), time.Minute)
			var got []string
			for k := range c.entries {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("keys %v, want %v", got, tc.want)
			}
			if _, ok := c.get("new", t0.Add(tc.at+time.Minute)); ok {
				t.Error("an entry is still there at its expiry")
			}
		})
	}

	_, _, a, h, _ := setup(t, maxEntries)
	scrape(h, http.MethodGet, "/metrics", "Bearer "+readerToken)
	for k := range a.users.entries {
		if strings.Contains(k, readerToken) {
			t.Error("the token cache is keyed by the token itself")
		}
	}
}

// TestConcurrentScrapes runs scrapes in parallel (go test -race finds
// unguarded state).
func TestConcurrentScrapes(t *testing.T) {
	// setup's handler counts without a lock; this one counts nothing.
	_, _, a, _, _ := setup(t, maxEntries)
	h, _ := a.filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	var wg sync.WaitGroup
	codes := make(chan int, 8*20)
	for g := range 8 {
		wg.Go(func() {
			tok := readerToken
			if g%2 == 1 {
				tok = nobodyToken
			}
			for range 20 {
				codes <- scrape(h, http.MethodGet, "/metrics", "Bearer "+tok).Code
			}
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[200] != 80 || count[403] != 80 {
		t.Errorf("codes %v, want 80 × 200 and 80 × 403", count)
	}
}
