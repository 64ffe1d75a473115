// Package metricsauth authenticates and authorizes scrapes of the secure
// metrics endpoint: the caller's bearer token is checked with a TokenReview,
// then its right to GET the path with a SubjectAccessReview.
//
// Why not controller-runtime's pkg/metrics/filters: that package does the
// same two reviews through k8s.io/apiserver's delegating authenticator and
// authorizer, which link k8s.io/apiserver, cel-go and antlr into the
// manager. Measured (docs/benchmarks.md, "Idle RSS: secure metrics without
// k8s.io/apiserver"): the stripped manager binary shrinks from 55.6 MB to
// 35.4 MB, and since most of the manager's idle RSS is pages of its own
// binary, its idle RSS goes from 58.3 to 37.6 MiB (issue 11 asks for
// 40 at most). Two typed client-go clients and a small cache do the same
// job.
//
// What it keeps of controller-runtime's filter (v0.25.2): the bearer token
// from the Authorization header, no anonymous access; TokenReview without
// audiences, 10 s timeout; system:authenticated added to the groups as the
// API server's group adder does; a SubjectAccessReview of the non-resource
// path with the lower-case method as verb and the user's name, UID, groups
// and extra; answers 401 Unauthorized, 403 "Authorization denied for user
// X", 500 when a review call fails; decisions cached with the same TTLs as
// the delegating authorizer (5 minutes allowed, 30 s denied) and
// authenticated tokens for 1 minute.
//
// What differs: a token the API server rejects answers 401 (controller-
// runtime answers 500 "Authentication failed", because the delegating
// authenticator turns "invalid bearer token" into an error) and is cached
// for 10 s only; a failing review call is not retried within the scrape
// (controller-runtime backs off for up to ~4 s): the scrape fails with 500,
// nothing is cached, and Prometheus retries at its next interval.
package metricsauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authnclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authzclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The TTLs and the timeout are those of controller-runtime's filter and the
// delegating authenticator/authorizer it configures, except the rejected
// token TTL (see the package comment).
const (
	reviewTimeout    = 10 * time.Second
	authenticatedTTL = time.Minute
	rejectedTTL      = 10 * time.Second
	allowedTTL       = 5 * time.Minute
	deniedTTL        = 30 * time.Second
	// maxEntries bounds each cache: random tokens (each one a rejected
	// review) must not grow the manager's memory without end. 1024 is far
	// more than the scrapers of one manager.
	maxEntries = 1024
)

// allAuthenticated is the group the API server gives every authenticated
// user; the delegating authenticator adds it when the TokenReview's groups
// lack it, so RBAC bindings to it work.
const allAuthenticated = "system:authenticated"

// Filter is a metricsserver.Options.FilterProvider: scrapes must carry the
// bearer token of a user allowed to GET the path (for /metrics, the
// metrics-reader ClusterRole of config/rbac). The manager's ServiceAccount
// needs create on tokenreviews and subjectaccessreviews
// (config/rbac/metrics_auth_role.yaml).
func Filter(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	a, err := newAuth(cfg, httpClient, time.Now, maxEntries)
	if err != nil {
		return nil, err
	}
	return a.filter, nil
}

type auth struct {
	tokens authnclient.TokenReviewInterface
	sars   authzclient.SubjectAccessReviewInterface
	now    func() time.Time
	// users maps the SHA-256 of a token (never the token, so a memory
	// dump holds no credential) to the TokenReview's answer.
	users *ttlCache[tokenResult]
	// decisions maps the SHA-256 of a SubjectAccessReview spec to whether
	// it was allowed.
	decisions *ttlCache[bool]
}

type tokenResult struct {
	ok   bool
	user authnv1.UserInfo
}

func newAuth(cfg *rest.Config, httpClient *http.Client, now func() time.Time, max int) (*auth, error) {
	authn, err := authnclient.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("cannot make the TokenReview client: %w", err)
	}
	authz, err := authzclient.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("cannot make the SubjectAccessReview client: %w", err)
	}
	return &auth{
		tokens:    authn.TokenReviews(),
		sars:      authz.SubjectAccessReviews(),
		now:       now,
		users:     newTTLCache[tokenResult](max),
		decisions: newTTLCache[bool](max),
	}, nil
}

func (a *auth) filter(log logr.Logger, next http.Handler) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		token := bearerToken(req)
		if token == "" {
			log.V(4).Info("Scrape without a bearer token")
			unauthorized(w)
			return
		}
		res, err := a.authenticate(req.Context(), token)
		if err != nil {
			log.Error(err, "Authentication failed")
			http.Error(w, "Authentication failed", http.StatusInternalServerError)
			return
		}
		if !res.ok {
			log.V(4).Info("The API server rejected the bearer token")
			unauthorized(w)
			return
		}
		// Like the API server, pass no credential further in.
		req.Header.Del("Authorization")

		spec := sarSpec(res.user, strings.ToLower(req.Method), req.URL.Path)
		allowed, err := a.authorize(req.Context(), spec)
		if err != nil {
			msg := fmt.Sprintf("Authorization for user %s failed", spec.User)
			log.Error(err, msg)
			http.Error(w, msg, http.StatusInternalServerError)
			return
		}
		if !allowed {
			msg := fmt.Sprintf("Authorization denied for user %s", spec.User)
			log.V(4).Info(msg, "verb", spec.NonResourceAttributes.Verb, "path", spec.NonResourceAttributes.Path)
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, req)
	}), nil
}

// bearerToken is the token of an "Authorization: Bearer <token>" header
// (scheme case-insensitive, as the API server reads it), or "".
func bearerToken(req *http.Request) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(req.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

// authenticate asks the API server who token belongs to, or answers from
// the cache. A failing call returns an error and caches nothing.
func (a *auth) authenticate(ctx context.Context, token string) (tokenResult, error) {
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:])
	if r, ok := a.users.get(key, a.now()); ok {
		return r, nil
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	// No audiences: the API server checks the token against its own, as
	// the delegating authenticator does when given none.
	tr, err := a.tokens.Create(ctx, &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return tokenResult{}, fmt.Errorf("TokenReview: %w", err)
	}
	r := tokenResult{ok: tr.Status.Authenticated, user: tr.Status.User}
	if r.ok && !slices.Contains(r.user.Groups, allAuthenticated) {
		r.user.Groups = append(slices.Clip(r.user.Groups), allAuthenticated)
	}
	ttl := authenticatedTTL
	if !r.ok {
		ttl = rejectedTTL
	}
	a.users.put(key, r, a.now(), ttl)
	return r, nil
}

func sarSpec(u authnv1.UserInfo, verb, path string) authzv1.SubjectAccessReviewSpec {
	var extra map[string]authzv1.ExtraValue
	if len(u.Extra) > 0 {
		extra = make(map[string]authzv1.ExtraValue, len(u.Extra))
		for k, v := range u.Extra {
			extra[k] = authzv1.ExtraValue(v)
		}
	}
	return authzv1.SubjectAccessReviewSpec{
		User:                  u.Username,
		UID:                   u.UID,
		Groups:                u.Groups,
		Extra:                 extra,
		NonResourceAttributes: &authzv1.NonResourceAttributes{Path: path, Verb: verb},
	}
}

// authorize asks the API server whether spec is allowed, or answers from
// the cache. The key is the whole spec (user, UID, groups, extra, verb,
// path), as the webhook authorizer keys its cache; a failing call returns
// an error and caches nothing. A review that is neither allowed nor denied
// (no opinion) is a denial here, as in controller-runtime.
func (a *auth) authorize(ctx context.Context, spec authzv1.SubjectAccessReviewSpec) (bool, error) {
	b, err := json.Marshal(spec) // map keys sorted: the same spec, the same key
	if err != nil {
		return false, fmt.Errorf("cannot encode the SubjectAccessReview: %w", err)
	}
	sum := sha256.Sum256(b)
	key := string(sum[:])
	if allowed, ok := a.decisions.get(key, a.now()); ok {
		return allowed, nil
	}
	ctx, cancel := context.WithTimeout(ctx, reviewTimeout)
	defer cancel()
	sar, err := a.sars.Create(ctx, &authzv1.SubjectAccessReview{Spec: spec}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("SubjectAccessReview: %w", err)
	}
	allowed := sar.Status.Allowed && !sar.Status.Denied
	ttl := allowedTTL
	if !allowed {
		ttl = deniedTTL
	}
	a.decisions.put(key, allowed, a.now(), ttl)
	return allowed, nil
}

// ttlCache is a map whose entries expire, bounded to max entries: when it
// is full, expired entries go first, then the one closest to expiring.
// Eviction scans the map, which is cheap next to the API call that comes
// with every insertion. Safe for concurrent scrapes.
type ttlCache[V any] struct {
	mu      sync.Mutex
	max     int
	entries map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any](max int) *ttlCache[V] {
	return &ttlCache[V]{max: max, entries: make(map[string]ttlEntry[V])}
}

func (c *ttlCache[V]) get(key string, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(key string, v V, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[key] = ttlEntry[V]{v: v, expires: now.Add(ttl)}
}

// evict makes room for one entry. Called with mu held.
func (c *ttlCache[V]) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for len(c.entries) >= c.max {
		var oldest string
		var first time.Time
		found := false
		for k, e := range c.entries {
			if !found || e.expires.Before(first) {
				oldest, first, found = k, e.expires, true
			}
		}
		delete(c.entries, oldest)
	}
}

// len is the number of entries, expired or not (for tests).
func (c *ttlCache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
