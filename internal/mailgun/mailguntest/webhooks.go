package mailguntest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// maxWebhookURLs is Mailgun's limit of URLs per (domain, event).
const maxWebhookURLs = 3

// webhookEvents are the events a domain webhook can be set for.
var webhookEvents = []string{
	"accepted", "delivered", "opened", "clicked", "unsubscribed", "complained", "permanent_fail", "temporary_fail",
}

type urlsJSON struct {
	URLs []string `json:"urls"`
}

type webhookAnswer struct {
	Message string   `json:"message,omitempty"`
	Webhook urlsJSON `json:"webhook"`
}

func webhookNotFound() answer {
	return fail(http.StatusNotFound, "Webhook not found")
}

func invalidEvent(e string) answer {
	return fail(http.StatusBadRequest, "Invalid webhook type "+strconv.Quote(e)+": must be one of accepted, delivered, opened, clicked, unsubscribed, complained, permanent_fail, temporary_fail")
}

// checkURLs applies Mailgun's rules to a webhook's URL list: one to three
// absolute http(s) URLs, sent as the repeated field "url".
func checkURLs(urls []string) *requestError {
	if len(urls) == 0 {
		return badRequest("Missing parameter 'url'")
	}
	if len(urls) > maxWebhookURLs {
		return badRequest("Too many URLs: a webhook takes at most " + strconv.Itoa(maxWebhookURLs))
	}
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return badRequest("Invalid URL " + strconv.Quote(u))
		}
	}
	return nil
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		hooks := map[string]urlsJSON{}
		for e, urls := range s.st.webhooks[ds.Name] {
			hooks[e] = urlsJSON{URLs: urls}
		}
		return reply(http.StatusOK, struct {
			Webhooks map[string]urlsJSON `json:"webhooks"`
		}{hooks})
	})
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	event, urls := f.Get("id"), f["url"]
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		if event == "" {
			return fail(http.StatusBadRequest, "Missing parameter 'id'")
		}
		if !slices.Contains(webhookEvents, event) {
			return invalidEvent(event)
		}
		if rerr := checkURLs(urls); rerr != nil {
			return failRequest(rerr)
		}
		// There is no upsert: a second POST for an event is refused, which is
		// why the operator lists first and then POSTs or PUTs.
		if len(s.st.webhooks[ds.Name][event]) > 0 {
			return fail(http.StatusBadRequest, "Webhook already exists")
		}
		s.st.setWebhook(ds.Name, event, urls)
		return reply(http.StatusOK, webhookAnswer{Message: "Webhook has been created", Webhook: urlsJSON{URLs: urls}})
	})
}

// existingWebhook resolves the domain and event of a webhook path. Call with
// s.mu held.
func (s *Server) existingWebhook(r *http.Request) (string, []string, *answer) {
	ds, ok := s.lookupDomain(r)
	if !ok {
		a := domainNotFound()
		return "", nil, &a
	}
	event := r.PathValue("event")
	if !slices.Contains(webhookEvents, event) {
		a := invalidEvent(event)
		return "", nil, &a
	}
	urls := s.st.webhooks[ds.Name][event]
	if len(urls) == 0 {
		a := webhookNotFound()
		return "", nil, &a
	}
	return ds.Name, urls, nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		_, urls, a := s.existingWebhook(r)
		if a != nil {
			return *a
		}
		return reply(http.StatusOK, webhookAnswer{Webhook: urlsJSON{URLs: urls}})
	})
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	urls := f["url"]
	s.locked(w, func() answer {
		domain, _, a := s.existingWebhook(r)
		if a != nil {
			return *a
		}
		if rerr := checkURLs(urls); rerr != nil {
			return failRequest(rerr)
		}
		s.st.setWebhook(domain, r.PathValue("event"), urls)
		return reply(http.StatusOK, webhookAnswer{Message: "Webhook has been updated", Webhook: urlsJSON{URLs: urls}})
	})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		domain, urls, a := s.existingWebhook(r)
		if a != nil {
			return *a
		}
		s.st.setWebhook(domain, r.PathValue("event"), nil)
		return reply(http.StatusOK, webhookAnswer{Message: "Webhook has been deleted", Webhook: urlsJSON{URLs: urls}})
	})
}
