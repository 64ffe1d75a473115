package mailguntest

import (
	"net/http"
	"net/url"
	"strings"
)

// Tracking reads answer booleans while writes take "yes"/"no"/"htmlonly".
// Click tracking in HTML-only mode reads back as true by default, as the
// API reference documents, or as the string "htmlonly" (SetClickReading):
// docs/mailgun-api.md, "Tracking".

type clickJSON struct {
	Active any `json:"active"` // bool, or "htmlonly"
}

type openJSON struct {
	Active        bool `json:"active"`
	PlaceAtTheTop bool `json:"place_at_the_top"`
}

type unsubscribeJSON struct {
	Active     bool   `json:"active"`
	HTMLFooter string `json:"html_footer"`
	TextFooter string `json:"text_footer"`
}

type trackingJSON struct {
	Click       clickJSON       `json:"click"`
	Open        openJSON        `json:"open"`
	Unsubscribe unsubscribeJSON `json:"unsubscribe"`
}

func toClickJSON(t Tracking, rd ClickReading) clickJSON {
	if t.Click && t.ClickHTMLOnly && rd == ClickAsString {
		return clickJSON{Active: "htmlonly"}
	}
	return clickJSON{Active: t.Click}
}

func toTrackingJSON(ds *domainState, rd ClickReading) trackingJSON {
	t := ds.Tracking
	return trackingJSON{
		Click:       toClickJSON(t, rd),
		Open:        openJSON{Active: t.Open, PlaceAtTheTop: ds.placeAtTop},
		Unsubscribe: unsubscribeJSON{Active: t.Unsubscribe, HTMLFooter: t.HTMLFooter, TextFooter: t.TextFooter},
	}
}

const trackingUpdated = "Domain tracking settings have been updated"

func (s *Server) getTracking(w http.ResponseWriter, r *http.Request) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		return reply(http.StatusOK, struct {
			Tracking trackingJSON `json:"tracking"`
		}{toTrackingJSON(ds, s.rd.click)})
	})
}

// parseActive reads the "active" field of a tracking write; htmlonly is only
// accepted where allowHTMLOnly is set (click tracking).
func parseActive(v string, allowHTMLOnly bool) (active, htmlOnly, ok bool) {
	if strings.EqualFold(v, "htmlonly") {
		return allowHTMLOnly, allowHTMLOnly, allowHTMLOnly
	}
	active, ok = parseBool(v)
	return active, false, ok
}

func (s *Server) setClickTracking(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		if !has(f, "active") {
			return fail(http.StatusBadRequest, "Missing parameter 'active'")
		}
		active, htmlOnly, ok := parseActive(f.Get("active"), true)
		if !ok {
			return fail(http.StatusBadRequest, "Invalid value for 'active': must be yes, no or htmlonly")
		}
		ds.Tracking.Click, ds.Tracking.ClickHTMLOnly = active, htmlOnly
		return reply(http.StatusOK, struct {
			Message string    `json:"message"`
			Click   clickJSON `json:"click"`
		}{trackingUpdated, toClickJSON(ds.Tracking, s.rd.click)})
	})
}

func (s *Server) setOpenTracking(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		if !has(f, "active") {
			return fail(http.StatusBadRequest, "Missing parameter 'active'")
		}
		active, _, ok := parseActive(f.Get("active"), false)
		if !ok {
			return fail(http.StatusBadRequest, "Invalid value for 'active': must be yes or no")
		}
		placeAtTop := ds.placeAtTop
		if rerr := optBool(f, "place_at_the_top", &placeAtTop); rerr != nil {
			return failRequest(rerr)
		}
		ds.Tracking.Open, ds.placeAtTop = active, placeAtTop
		return reply(http.StatusOK, struct {
			Message string   `json:"message"`
			Open    openJSON `json:"open"`
		}{trackingUpdated, openJSON{Active: active, PlaceAtTheTop: placeAtTop}})
	})
}

func (s *Server) setUnsubscribeTracking(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		if !has(f, "active") && !has(f, "html_footer") && !has(f, "text_footer") {
			return fail(http.StatusBadRequest, "Missing parameter 'active'")
		}
		t := ds.Tracking
		if has(f, "active") {
			active, _, ok := parseActive(f.Get("active"), false)
			if !ok {
				return fail(http.StatusBadRequest, "Invalid value for 'active': must be yes or no")
			}
			t.Unsubscribe = active
		}
		// Footers not sent stay as they are; sent empty they are cleared.
		if has(f, "html_footer") {
			t.HTMLFooter = f.Get("html_footer")
		}
		if has(f, "text_footer") {
			t.TextFooter = f.Get("text_footer")
		}
		ds.Tracking = t
		return reply(http.StatusOK, struct {
			Message     string          `json:"message"`
			Unsubscribe unsubscribeJSON `json:"unsubscribe"`
		}{trackingUpdated, unsubscribeJSON{Active: t.Unsubscribe, HTMLFooter: t.HTMLFooter, TextFooter: t.TextFooter}})
	})
}
