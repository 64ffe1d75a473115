package mailguntest

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"time"
)

// Domain is the emulator's record of one Mailgun domain, as tests set it up
// and inspect it. It holds what Mailgun keeps but never shows (passwords, the
// DKIM selector) so tests can assert on it.
type Domain struct {
	Name, State, SpamAction, WebScheme, WebPrefix, SMTPLogin, SMTPPassword, DKIMSelector string

	Wildcard, RequireTLS, SkipVerification, UseAutomaticSenderSecurity, ForceDKIMAuthority bool

	DKIMKeySize int
	Tracking    Tracking
	Credentials map[string]string // login ("user@domain") -> password

	// Additions to the contract.
	ID         string    // 24 hex chars, made by PutDomain when empty
	CreatedAt  time.Time // set by PutDomain when zero
	MessageTTL int       // seconds; Mailgun's default is 3 days
}

// Tracking is a domain's tracking settings.
type Tracking struct {
	Click, ClickHTMLOnly, Open, Unsubscribe bool
	HTMLFooter, TextFooter                  string
}

// Route is one account-wide inbound route.
type Route struct {
	ID          string
	Priority    int
	Description string
	Expression  string
	Actions     []string

	CreatedAt time.Time // addition to the contract; set by PutRoute when zero
}

// Defaults Mailgun applies to a new domain.
const (
	defaultSpamAction  = "disabled"
	defaultWebScheme   = "http"
	defaultWebPrefix   = "email"
	defaultSelector    = "mx"
	defaultDKIMKeySize = 1024
	defaultMessageTTL  = 3 * 24 * 60 * 60

	defaultHTMLFooter = "\n<br>\n<p><a href=\"%unsubscribe_url%\">unsubscribe</a></p>\n"
	defaultTextFooter = "\n\nTo unsubscribe click: <%unsubscribe_url%>\n\n"
)

// Record validity as Mailgun reports it.
const (
	validUnknown = "unknown"
	validValid   = "valid"
	validInvalid = "invalid"
)

// domainState is a Domain plus what only the emulator needs.
type domainState struct {
	Domain
	records     string               // validity of every DNS record: unknown, valid or invalid
	placeAtTop  bool                 // open tracking pixel position; not in the contract's Tracking
	apiCreated  time.Time            // when the API created it (zero for PutDomain): for SetNotFoundAfterCreate
	deleteAt    time.Time            // non-zero: deleted through the API, gone at this time (SetDomainDeleteDelay)
	credCreated map[string]time.Time // login -> created_at
	templates   map[string]*templateState
}

type routeState struct {
	Route
	apiCreated time.Time
}

// state is everything the emulator stores. It is guarded by Server.mu.
type state struct {
	domains     map[string]*domainState
	domainOrder []string // creation order, so lists are stable
	// webhooks lives beside domains rather than inside them so PutWebhook
	// works before the domain exists; deleting a domain clears its entry.
	webhooks   map[string]map[string][]string // domain -> event -> urls
	routes     map[string]*routeState
	routeOrder []string
	// dnsValid is a fact about the world's DNS, not about Mailgun, so it
	// survives a domain's delete and re-create and may be set before the
	// domain exists.
	dnsValid map[string]bool
	lists    map[string]*listState // by address
}

func newState() state {
	return state{
		domains:  map[string]*domainState{},
		webhooks: map[string]map[string][]string{},
		routes:   map[string]*routeState{},
		dnsValid: map[string]bool{},
		lists:    map[string]*listState{},
	}
}

// newID makes a Mailgun-style id: 24 lowercase hex characters.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func copyDomain(d Domain) Domain {
	d.Credentials = maps.Clone(d.Credentials)
	if d.Credentials == nil {
		d.Credentials = map[string]string{}
	}
	return d
}

func copyRoute(r Route) Route {
	r.Actions = slices.Clone(r.Actions)
	if r.Actions == nil {
		r.Actions = []string{}
	}
	return r
}

// withDefaults fills what Mailgun fills when a create leaves it out.
func withDefaults(d Domain, now time.Time) Domain {
	if d.State == "" {
		d.State = "unverified"
	}
	if d.SpamAction == "" {
		d.SpamAction = defaultSpamAction
	}
	if d.WebScheme == "" {
		d.WebScheme = defaultWebScheme
	}
	if d.WebPrefix == "" {
		d.WebPrefix = defaultWebPrefix
	}
	if d.SMTPLogin == "" {
		d.SMTPLogin = "postmaster@" + d.Name
	}
	if d.DKIMSelector == "" {
		d.DKIMSelector = defaultSelector
	}
	if d.DKIMKeySize == 0 {
		d.DKIMKeySize = defaultDKIMKeySize
	}
	if d.MessageTTL == 0 {
		d.MessageTTL = defaultMessageTTL
	}
	if d.ID == "" {
		d.ID = newID()
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	return d
}

// putDomain stores d (already defaulted) and keeps creation order.
func (st *state) putDomain(ds *domainState) {
	if _, ok := st.domains[ds.Name]; !ok {
		st.domainOrder = append(st.domainOrder, ds.Name)
	}
	st.domains[ds.Name] = ds
}

func (st *state) deleteDomain(name string) bool {
	if _, ok := st.domains[name]; !ok {
		return false
	}
	delete(st.domains, name)
	delete(st.webhooks, name)
	st.domainOrder = slices.DeleteFunc(st.domainOrder, func(n string) bool { return n == name })
	return true
}

// sweepDeleted finishes the background deletions that are due.
func (st *state) sweepDeleted(now time.Time) {
	for _, n := range st.domainOrder {
		if ds := st.domains[n]; !ds.deleteAt.IsZero() && !now.Before(ds.deleteAt) {
			st.deleteDomain(n)
		}
	}
}

func (st *state) putRoute(rs *routeState) {
	if _, ok := st.routes[rs.ID]; !ok {
		st.routeOrder = append(st.routeOrder, rs.ID)
	}
	st.routes[rs.ID] = rs
}

func (st *state) deleteRoute(id string) bool {
	if _, ok := st.routes[id]; !ok {
		return false
	}
	delete(st.routes, id)
	st.routeOrder = slices.DeleteFunc(st.routeOrder, func(n string) bool { return n == id })
	return true
}

// refreshRecords is what Mailgun's DNS check does on get and verify: records
// become valid (and the domain active) once DNS is valid, and a valid domain
// whose DNS broke reports invalid records and goes back to unverified.
// Records never checked valid stay "unknown", as the contract says.
func (st *state) refreshRecords(ds *domainState) {
	if ds.State == "disabled" {
		return
	}
	switch {
	case st.dnsValid[ds.Name]:
		ds.records = validValid
		ds.State = "active"
	case ds.records == validValid:
		ds.records = validInvalid
		ds.State = "unverified"
	}
}

// --- accessors for tests: all take the lock and return copies ---

// Domain returns a copy of the named domain.
func (s *Server) Domain(name string) (Domain, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.sweepDeleted(s.now())
	ds, ok := s.st.domains[name]
	if !ok {
		return Domain{}, false
	}
	return copyDomain(ds.Domain), true
}

// Domains returns copies of all domains in creation order.
func (s *Server) Domains() []Domain {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.sweepDeleted(s.now())
	out := make([]Domain, 0, len(s.st.domainOrder))
	for _, n := range s.st.domainOrder {
		out = append(out, copyDomain(s.st.domains[n].Domain))
	}
	return out
}

// PutDomain creates or replaces a domain without going through the API (no
// call is counted), for adoption and drift tests. Empty fields get Mailgun's
// defaults. State "active" also marks its DNS valid so the records read
// "valid"; any other state leaves the records "unknown". Replacing keeps the
// domain's webhooks, id and creation time unless d sets them.
func (s *Server) PutDomain(d Domain) {
	if d.Name == "" {
		panic("mailguntest: PutDomain needs a Name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.st.domains[d.Name]
	if old != nil {
		if d.ID == "" {
			d.ID = old.ID
		}
		if d.CreatedAt.IsZero() {
			d.CreatedAt = old.CreatedAt
		}
	}
	ds := &domainState{Domain: copyDomain(withDefaults(d, s.now())), records: validUnknown, credCreated: map[string]time.Time{}}
	for login := range ds.Credentials {
		if old != nil && !old.credCreated[login].IsZero() {
			ds.credCreated[login] = old.credCreated[login]
		} else {
			ds.credCreated[login] = ds.CreatedAt
		}
	}
	if old != nil {
		ds.placeAtTop = old.placeAtTop
	}
	if ds.State == "active" {
		s.st.dnsValid[ds.Name] = true
		ds.records = validValid
	}
	s.st.putDomain(ds)
}

// DeleteDomainState removes a domain (and its webhooks) without going through
// the API, as if someone deleted it in the Mailgun console. Addition to the
// contract.
func (s *Server) DeleteDomainState(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.deleteDomain(name)
}

// SetDNSValid says whether the DNS records of name are in place. Mailgun
// notices on the next verify or get of the domain. It may be called before
// the domain exists.
func (s *Server) SetDNSValid(name string, valid bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.dnsValid[name] = valid
}

// Webhooks returns a copy of a domain's webhooks: event -> URLs. The map is
// empty, never nil, when there are none.
func (s *Server) Webhooks(domain string) map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]string, len(s.st.webhooks[domain]))
	for e, urls := range s.st.webhooks[domain] {
		out[e] = slices.Clone(urls)
	}
	return out
}

// PutWebhook sets an event's URLs without going through the API; no URLs
// removes the webhook. Any event name is accepted so tests can plant odd ones.
func (s *Server) PutWebhook(domain, event string, urls []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.setWebhook(domain, event, urls)
}

func (st *state) setWebhook(domain, event string, urls []string) {
	if len(urls) == 0 {
		delete(st.webhooks[domain], event)
		if len(st.webhooks[domain]) == 0 {
			delete(st.webhooks, domain)
		}
		return
	}
	if st.webhooks[domain] == nil {
		st.webhooks[domain] = map[string][]string{}
	}
	st.webhooks[domain][event] = slices.Clone(urls)
}

// Routes returns copies of all routes in creation order.
func (s *Server) Routes() []Route {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Route, 0, len(s.st.routeOrder))
	for _, id := range s.st.routeOrder {
		out = append(out, copyRoute(s.st.routes[id].Route))
	}
	return out
}

// PutRoute creates or replaces a route without going through the API and
// returns its id (made when r.ID is empty). A replaced route keeps its place
// in the order.
func (s *Server) PutRoute(r Route) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == "" {
		r.ID = newID()
	}
	if r.CreatedAt.IsZero() {
		if old := s.st.routes[r.ID]; old != nil {
			r.CreatedAt = old.CreatedAt
		} else {
			r.CreatedAt = s.now()
		}
	}
	s.st.putRoute(&routeState{Route: copyRoute(r)})
	return r.ID
}

// DeleteRouteState removes a route without going through the API, as if
// someone deleted it in the console.
func (s *Server) DeleteRouteState(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.deleteRoute(id)
}

// PutCredential sets a login's password, creating the login (with the
// domain when it does not exist), as if made in the Mailgun console.
func (s *Server) PutCredential(domain, login, password string) {
	s.mu.Lock()
	ds, ok := s.st.domains[domain]
	s.mu.Unlock()
	if !ok {
		s.PutDomain(Domain{Name: domain})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds = s.st.domains[domain]
	if ds.Credentials == nil {
		ds.Credentials = map[string]string{}
	}
	if ds.credCreated == nil {
		ds.credCreated = map[string]time.Time{}
	}
	if _, had := ds.Credentials[login]; !had {
		ds.credCreated[login] = s.now()
	}
	ds.Credentials[login] = password
}
