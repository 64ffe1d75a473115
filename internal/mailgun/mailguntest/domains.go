package mailguntest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// domainJSON is Mailgun's domain object. smtp_password appears only in the
// create answer: Mailgun never lets it be read back.
type domainJSON struct {
	CreatedAt                  string `json:"created_at"`
	ID                         string `json:"id"`
	IsDisabled                 bool   `json:"is_disabled"`
	Name                       string `json:"name"`
	RequireTLS                 bool   `json:"require_tls"`
	SkipVerification           bool   `json:"skip_verification"`
	SMTPLogin                  string `json:"smtp_login"`
	SMTPPassword               string `json:"smtp_password,omitempty"`
	SpamAction                 string `json:"spam_action"`
	State                      string `json:"state"`
	Type                       string `json:"type"`
	UseAutomaticSenderSecurity bool   `json:"use_automatic_sender_security"`
	WebPrefix                  string `json:"web_prefix"`
	WebScheme                  string `json:"web_scheme"`
	Wildcard                   bool   `json:"wildcard"`
	MessageTTL                 int    `json:"message_ttl"`
}

// domainInfoJSON is the answer of create, get and verify.
type domainInfoJSON struct {
	Message             string      `json:"message,omitempty"`
	Domain              domainJSON  `json:"domain"`
	ReceivingDNSRecords []dnsRecord `json:"receiving_dns_records"`
	SendingDNSRecords   []dnsRecord `json:"sending_dns_records"`
}

type domainPageJSON struct {
	TotalCount int          `json:"total_count"`
	Items      []domainJSON `json:"items"`
}

func toDomainJSON(ds *domainState) domainJSON {
	return domainJSON{
		CreatedAt:                  mailgunTime(ds.CreatedAt),
		ID:                         ds.ID,
		IsDisabled:                 ds.State == "disabled",
		Name:                       ds.Name,
		RequireTLS:                 ds.RequireTLS,
		SkipVerification:           ds.SkipVerification,
		SMTPLogin:                  ds.SMTPLogin,
		SpamAction:                 ds.SpamAction,
		State:                      ds.State,
		Type:                       "custom",
		UseAutomaticSenderSecurity: ds.UseAutomaticSenderSecurity,
		WebPrefix:                  ds.WebPrefix,
		WebScheme:                  ds.WebScheme,
		Wildcard:                   ds.Wildcard,
		MessageTTL:                 ds.MessageTTL,
	}
}

func toDomainInfo(ds *domainState, msg string) domainInfoJSON {
	return domainInfoJSON{
		Message:             msg,
		Domain:              toDomainJSON(ds),
		ReceivingDNSRecords: receivingRecords(ds),
		SendingDNSRecords:   sendingRecords(ds),
	}
}

// domainNotFound is Mailgun's answer for any call naming an unknown domain.
func domainNotFound() answer {
	return fail(http.StatusNotFound, "Domain not found")
}

// lookupDomain finds the domain named by the path. Call with s.mu held.
func (s *Server) lookupDomain(r *http.Request) (*domainState, bool) {
	ds, ok := s.st.domains[r.PathValue("name")]
	if ok && s.hiddenDeleting(ds) {
		return nil, false
	}
	return ds, ok
}

// hiddenDeleting says whether ds, being deleted, is already gone to reads
// (SetDomainDeleteHidden).
func (s *Server) hiddenDeleting(ds *domainState) bool {
	return s.rd.deleteHidden && !ds.deleteAt.IsZero()
}

func (s *Server) listDomains(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	skip, limit, rerr := paging(q)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	stateFilter, search := q.Get("state"), q.Get("search")
	s.locked(w, func() answer {
		items := []domainJSON{}
		for _, n := range s.st.domainOrder {
			ds := s.st.domains[n]
			if (stateFilter == "" || ds.State == stateFilter) && strings.Contains(ds.Name, search) && !s.hiddenDeleting(ds) {
				items = append(items, toDomainJSON(ds))
			}
		}
		lo, hi := page(len(items), skip, limit)
		return reply(http.StatusOK, domainPageJSON{TotalCount: len(items), Items: items[lo:hi]})
	})
}

func (s *Server) createDomain(w http.ResponseWriter, r *http.Request) {
	if !isMultipart(r) {
		// The stricter of the two readings (docs/mailgun-api.md): a body
		// the endpoint cannot read is refused rather than taken as empty.
		writeMessage(w, http.StatusBadRequest, "Unsupported Content-Type: this endpoint reads multipart/form-data")
		return
	}
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	name := f.Get("name")
	if rerr := checkDomainName(name); rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	d := Domain{Name: name}
	if rerr := applyDomainForm(&d, f, true); rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	if d.SMTPPassword == "" {
		d.SMTPPassword = newID()[:16] // Mailgun makes one up when none is given
	}
	d.Tracking = Tracking{HTMLFooter: defaultHTMLFooter, TextFooter: defaultTextFooter}
	s.locked(w, func() answer {
		if _, ok := s.st.domains[name]; ok {
			// A domain being deleted in the background still holds its name.
			return fail(http.StatusBadRequest, "Domain already exists")
		}
		now := s.now()
		ds := &domainState{
			Domain:      copyDomain(withDefaults(d, now)),
			records:     validUnknown,
			apiCreated:  now,
			credCreated: map[string]time.Time{},
		}
		s.st.putDomain(ds)
		info := toDomainInfo(ds, "Domain DNS records have been created")
		info.Domain.SMTPPassword = ds.SMTPPassword
		return reply(http.StatusOK, info)
	})
}

func (s *Server) getDomain(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok || s.hiddenAfterCreate(ds.apiCreated) {
			return domainNotFound()
		}
		s.st.refreshRecords(ds)
		return reply(http.StatusOK, toDomainInfo(ds, ""))
	})
}

// domainUpdated is the answer of every accepted PUT /v4/domains/{name}.
const domainUpdated = "Domain has been updated"

func (s *Server) updateDomain(w http.ResponseWriter, r *http.Request) {
	if !isMultipart(r) {
		// What Mailgun does with a urlencoded update: it reads no field,
		// changes nothing and says it updated the domain (mailgun-go PR
		// #470, docs/mailgun-api.md). A client that regresses shows up as
		// drift that never goes away, not as an error.
		s.locked(w, func() answer {
			if _, ok := s.lookupDomain(r); !ok {
				return domainNotFound()
			}
			return reply(http.StatusOK, message{Message: domainUpdated})
		})
		return
	}
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		// Apply to a copy first so a bad field changes nothing.
		d := copyDomain(ds.Domain)
		if rerr := applyDomainForm(&d, f, false); rerr != nil {
			return failRequest(rerr)
		}
		ds.Domain = d
		return reply(http.StatusOK, message{Message: domainUpdated})
	})
}

func (s *Server) verifyDomain(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		s.st.refreshRecords(ds)
		return reply(http.StatusOK, toDomainInfo(ds, "Domain DNS records have been updated"))
	})
}

// deleteDomain starts Mailgun's background deletion: the domain stays
// visible for SetDomainDeleteDelay (at once by default). A DELETE of a
// domain already being deleted answers the same again.
func (s *Server) deleteDomain(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		if s.rd.deleteDelay <= 0 {
			s.st.deleteDomain(ds.Name)
		} else if ds.deleteAt.IsZero() {
			ds.deleteAt = s.now().Add(s.rd.deleteDelay)
		}
		return reply(http.StatusOK, message{Message: "Domain will be deleted in the background"})
	})
}

func (s *Server) setDKIMSelector(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	sel := f.Get("dkim_selector")
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		if sel == "" {
			return fail(http.StatusBadRequest, "Missing parameter 'dkim_selector'")
		}
		if !isLabel(sel, true) {
			return fail(http.StatusBadRequest, "Invalid DKIM selector "+strconv.Quote(sel))
		}
		ds.DKIMSelector = sel
		return reply(http.StatusOK, message{Message: "DKIM selector changed"})
	})
}

type dkimAuthorityJSON struct {
	Changed           bool        `json:"changed"`
	Message           string      `json:"message"`
	SendingDNSRecords []dnsRecord `json:"sending_dns_records"`
}

func (s *Server) setDKIMAuthority(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		if !has(f, "self") {
			return fail(http.StatusBadRequest, "Missing parameter 'self'")
		}
		self, ok := parseBool(f.Get("self"))
		if !ok {
			return fail(http.StatusBadRequest, "Invalid value for 'self': must be true or false")
		}
		changed := ds.ForceDKIMAuthority != self
		ds.ForceDKIMAuthority = self
		return reply(http.StatusOK, dkimAuthorityJSON{
			Changed:           changed,
			Message:           "Domain DKIM authority has been changed",
			SendingDNSRecords: sendingRecords(ds),
		})
	})
}

// checkDomainName refuses only what can never be a name: empty, too long or
// containing spaces or control characters. It stays lenient on purpose so
// tests can drive odd names (with "/" or "%") through path escaping end to
// end.
func checkDomainName(name string) *requestError {
	if name == "" {
		return badRequest("Missing parameter 'name'")
	}
	if len(name) > 253 {
		return badRequest("Domain name is too long")
	}
	for _, c := range name {
		if unicode.IsSpace(c) || unicode.IsControl(c) {
			return badRequest("Invalid domain name " + strconv.Quote(name))
		}
	}
	return nil
}

// applyDomainForm copies the settings a create or update may carry onto d,
// validating each. Fields not sent are left alone, which is what makes an
// update partial.
func applyDomainForm(d *Domain, f url.Values, create bool) *requestError {
	if has(f, "spam_action") {
		switch v := f.Get("spam_action"); v {
		case "disabled", "tag", "block", "delete":
			d.SpamAction = v
		default:
			return badRequest("Invalid value for 'spam_action': must be one of disabled, tag, block, delete")
		}
	}
	if has(f, "web_scheme") {
		switch v := f.Get("web_scheme"); v {
		case "http", "https":
			d.WebScheme = v
		default:
			return badRequest("Invalid value for 'web_scheme': must be http or https")
		}
	}
	if has(f, "web_prefix") {
		v := f.Get("web_prefix")
		if !isLabel(v, false) {
			return badRequest("Invalid value for 'web_prefix' " + strconv.Quote(v))
		}
		d.WebPrefix = v
	}
	if has(f, "smtp_password") {
		v := f.Get("smtp_password")
		if rerr := checkPassword(v); rerr != nil {
			return rerr
		}
		d.SMTPPassword = v
	}
	if has(f, "message_ttl") {
		n, err := strconv.Atoi(f.Get("message_ttl"))
		if err != nil || n <= 0 {
			return badRequest("Invalid value for 'message_ttl': must be a positive integer")
		}
		d.MessageTTL = n
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"wildcard", &d.Wildcard},
		{"require_tls", &d.RequireTLS},
		{"skip_verification", &d.SkipVerification},
		{"use_automatic_sender_security", &d.UseAutomaticSenderSecurity},
	} {
		if rerr := optStrictBool(f, b.key, b.dst); rerr != nil {
			return rerr
		}
	}
	if !create {
		return nil
	}
	// Settings only a create takes; later they have endpoints of their own.
	if rerr := optStrictBool(f, "force_dkim_authority", &d.ForceDKIMAuthority); rerr != nil {
		return rerr
	}
	if has(f, "dkim_selector") {
		v := f.Get("dkim_selector")
		if !isLabel(v, true) {
			return badRequest("Invalid value for 'dkim_selector' " + strconv.Quote(v))
		}
		d.DKIMSelector = v
	}
	if has(f, "dkim_key_size") {
		switch v := f.Get("dkim_key_size"); v {
		case "1024", "2048":
			d.DKIMKeySize, _ = strconv.Atoi(v)
		default:
			return badRequest("Invalid value for 'dkim_key_size': must be 1024 or 2048")
		}
	}
	return nil
}

// isLabel reports whether s is a usable DNS label (letters, digits, hyphens;
// dots too when dots is set, as a DKIM selector may have them).
func isLabel(s string, dots bool) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && dots:
		default:
			return false
		}
	}
	return true
}

// checkPassword applies Mailgun's SMTP password length rule.
func checkPassword(p string) *requestError {
	if len(p) < 5 || len(p) > 32 {
		return badRequest("Password length must be between 5 and 32 characters")
	}
	return nil
}
