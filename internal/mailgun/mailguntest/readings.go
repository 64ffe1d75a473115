package mailguntest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// The public sources disagree on a few answer shapes, or say nothing about
// them. docs/mailgun-api.md lists each as "unverified: built for both
// readings"; the emulator can answer either way, so the client and the
// operator are tested against both. The zero value of each setting is the
// reading the API reference documents.

// ClickReading is how GET /v3/domains/{d}/tracking reports click tracking in
// HTML-only mode.
type ClickReading uint8

const (
	// ClickAsBool answers "click": {"active": true}, as the API reference
	// types it ("active if it's in the 'htmlonly' or 'true' state").
	ClickAsBool ClickReading = iota
	// ClickAsString answers "click": {"active": "htmlonly"}.
	ClickAsString
)

// RouteUpdateAnswer is the shape of the answer to PUT /v3/routes/{id}.
type RouteUpdateAnswer uint8

const (
	// RouteAnswerNested wraps the route in "route", like create and get,
	// as the API reference shows it.
	RouteAnswerNested RouteUpdateAnswer = iota
	// RouteAnswerFlat puts the route's fields at the top level beside
	// "message", the only shape the official SDK decodes.
	RouteAnswerFlat
)

// ErrorKey is the JSON key a webhook endpoint's 4xx answer carries its text
// under.
type ErrorKey uint8

const (
	// ErrorMessage answers {"message": "..."}, as most endpoints do.
	ErrorMessage ErrorKey = iota
	// ErrorReason answers {"Reason": "..."}, which webhook endpoints have
	// been seen to answer.
	ErrorReason
)

// readings are the settings above, guarded by Server.mu.
type readings struct {
	click       ClickReading
	routeUpdate RouteUpdateAnswer
	webhookErr  ErrorKey
	// deleteDelay is how long a domain stays visible after its DELETE:
	// Mailgun deletes domains in the background.
	deleteDelay time.Duration
	// deleteHidden: a domain being deleted reads 404 and is not listed,
	// while its name stays taken (the other order of a freed name).
	deleteHidden bool
	// unauthorizedText answers 401 with the plain text "Forbidden" that
	// clients of the real API report, instead of the JSON message the
	// reference documents.
	unauthorizedText bool
	// samePasswordOK answers 200 to a credential password "changed" to
	// the one it has, instead of 400.
	samePasswordOK bool
}

// SetSamePasswordAccepted makes PUT /v3/domains/{d}/credentials/{login}
// with the login's current password answer 200 and change nothing (true),
// or 400 (false, the default). docs/mailgun-api.md, "Credentials".
func (s *Server) SetSamePasswordAccepted(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.samePasswordOK = on
}

// SetUnauthorizedText makes 401 answers the plain text "Forbidden" (true)
// or the documented {"message": "Forbidden"} (false, the default).
func (s *Server) SetUnauthorizedText(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.unauthorizedText = on
}

// SetClickReading chooses how HTML-only click tracking reads back.
func (s *Server) SetClickReading(r ClickReading) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.click = r
}

// SetRouteUpdateAnswer chooses the shape of the route update answer.
func (s *Server) SetRouteUpdateAnswer(a RouteUpdateAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.routeUpdate = a
}

// SetWebhookErrorKey chooses the key of webhook endpoints' 4xx answers.
func (s *Server) SetWebhookErrorKey(k ErrorKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.webhookErr = k
}

// SetDomainDeleteDelay keeps a deleted domain visible (readable, listed,
// its name taken) for d after a DELETE through the API, as Mailgun's
// background deletion does. Zero, the default, deletes at once.
func (s *Server) SetDomainDeleteDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.deleteDelay = d
}

// SetDomainDeleteHidden chooses what a domain being deleted in the
// background (SetDomainDeleteDelay) looks like: readable and listed, its
// name taken (false, the default), or already gone to reads (404, not
// listed, nor anything under it) while a create of its name still answers
// "Domain already exists" (true). Which Mailgun does is unverified:
// docs/mailgun-api.md, "Eventual consistency".
func (s *Server) SetDomainDeleteHidden(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rd.deleteHidden = on
}

// reasonWriter rewrites a 4xx answer {"message": m} into {"Reason": m}.
// answer.write sends the whole body in one Write after WriteHeader.
type reasonWriter struct {
	http.ResponseWriter
	status int
}

func (w *reasonWriter) WriteHeader(status int) {
	w.status = status
	if status < 400 || status > 499 {
		w.ResponseWriter.WriteHeader(status)
	}
}

func (w *reasonWriter) Write(b []byte) (int, error) {
	if w.status < 400 || w.status > 499 {
		return w.ResponseWriter.Write(b)
	}
	var m message
	if json.Unmarshal(b, &m) == nil && m.Message != "" {
		out, _ := json.Marshal(struct {
			Reason string `json:"Reason"`
		}{m.Message})
		b = append(out, '\n')
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.ResponseWriter.WriteHeader(w.status)
	w.status = 0 // written
	if _, err := w.ResponseWriter.Write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}
