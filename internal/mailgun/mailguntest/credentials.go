package mailguntest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// credentialJSON is one item of the credentials list. Passwords are never
// readable; size_bytes is null as Mailgun sends it for SMTP-only logins.
type credentialJSON struct {
	CreatedAt string `json:"created_at"`
	Login     string `json:"login"`
	Mailbox   string `json:"mailbox"`
	SizeBytes *int   `json:"size_bytes"`
}

func credentialNotFound() answer {
	return fail(http.StatusNotFound, "Login not found")
}

// fullLogin turns "user" into "user@domain" as Mailgun does and refuses a
// login of another domain.
func fullLogin(login, domain string) (string, *requestError) {
	if login == "" {
		return "", badRequest("Missing parameter 'login'")
	}
	local, dom, hasAt := strings.Cut(login, "@")
	if !hasAt {
		return login + "@" + domain, nil
	}
	if local == "" || dom != domain {
		return "", badRequest("Login must be of the form user@" + domain)
	}
	return login, nil
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) {
	skip, limit, rerr := paging(r.URL.Query())
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		logins := make([]string, 0, len(ds.Credentials))
		for l := range ds.Credentials {
			logins = append(logins, l)
		}
		slices.Sort(logins) // map order is random; lists must be stable to page
		lo, hi := page(len(logins), skip, limit)
		items := make([]credentialJSON, 0, hi-lo)
		for _, l := range logins[lo:hi] {
			items = append(items, credentialJSON{CreatedAt: mailgunTime(ds.credCreated[l]), Login: l, Mailbox: l})
		}
		return reply(http.StatusOK, struct {
			TotalCount int              `json:"total_count"`
			Items      []credentialJSON `json:"items"`
		}{len(logins), items})
	})
}

func (s *Server) createCredential(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		login, rerr := fullLogin(f.Get("login"), ds.Name)
		if rerr != nil {
			return failRequest(rerr)
		}
		if rerr := checkPassword(f.Get("password")); rerr != nil {
			return failRequest(rerr)
		}
		if _, exists := ds.Credentials[login]; exists {
			return fail(http.StatusBadRequest, "Login already exists")
		}
		if ds.Credentials == nil {
			ds.Credentials = map[string]string{}
		}
		ds.Credentials[login] = f.Get("password")
		if ds.credCreated == nil {
			ds.credCreated = map[string]time.Time{}
		}
		ds.credCreated[login] = s.now()
		return reply(http.StatusOK, message{Message: "Created 1 credentials pair(s)"})
	})
}

func (s *Server) updateCredential(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		login, rerr := fullLogin(r.PathValue("login"), ds.Name)
		if rerr != nil {
			return failRequest(rerr)
		}
		old, exists := ds.Credentials[login]
		if !exists {
			return credentialNotFound()
		}
		p := f.Get("password")
		if rerr := checkPassword(p); rerr != nil {
			return failRequest(rerr)
		}
		// Mailgun refuses to "change" a password to itself. An operator that
		// cannot read passwords back must remember what it set instead of
		// re-sending it on every reconcile.
		if p == old && !s.rd.samePasswordOK {
			return fail(http.StatusBadRequest, "New password must differ from the current one")
		}
		ds.Credentials[login] = p
		return reply(http.StatusOK, message{Message: "Password changed"})
	})
}

func (s *Server) deleteCredential(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		login, rerr := fullLogin(r.PathValue("login"), ds.Name)
		if rerr != nil {
			return failRequest(rerr)
		}
		if _, exists := ds.Credentials[login]; !exists {
			return credentialNotFound()
		}
		delete(ds.Credentials, login)
		delete(ds.credCreated, login)
		return reply(http.StatusOK, struct {
			Message string `json:"message"`
			Spec    string `json:"spec"`
		}{"Credentials have been deleted", login})
	})
}
