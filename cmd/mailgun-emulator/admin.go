package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// adminPrefix cannot clash with Mailgun paths, which all start with /v<n>/.
const adminPrefix = "/_emulator/"

// withAdmin serves the admin API under /_emulator/ and everything else with
// the emulator. The admin API has no auth: it is opt-in, meant for loopback
// test setups, and never shows passwords or keys. Its calls are not counted.
func withAdmin(emu *mailguntest.Server) http.Handler {
	a := &admin{emu: emu}
	mux := http.NewServeMux()
	mux.HandleFunc(adminPrefix+"state", only(http.MethodGet, a.state))
	mux.HandleFunc(adminPrefix+"domains/{name}/dns-valid", only(http.MethodPost, a.dnsValid))
	mux.HandleFunc(adminPrefix+"faults", a.faults) // POST adds, DELETE clears
	mux.HandleFunc(adminPrefix+"reset-calls", only(http.MethodPost, a.resetCalls))
	mux.HandleFunc(adminPrefix+"not-found-after-create", only(http.MethodPost, a.notFoundAfterCreate))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, message{"unknown admin path " + r.URL.Path})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Route by prefix instead of mounting the emulator on the admin mux,
		// so the emulator keeps answering unclean paths itself (404, never a
		// redirect).
		if strings.HasPrefix(r.URL.Path, adminPrefix) {
			mux.ServeHTTP(w, r)
			return
		}
		emu.ServeHTTP(w, r)
	})
}

type admin struct {
	emu *mailguntest.Server
}

type message struct {
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeJSON(w, http.StatusMethodNotAllowed, message{"use " + method})
			return
		}
		h(w, r)
	}
}

// stateJSON is the GET /_emulator/state answer.
type stateJSON struct {
	Domains    []domainJSON                   `json:"domains"`
	Webhooks   map[string]map[string][]string `json:"webhooks"` // domain -> event -> urls
	Routes     []routeJSON                    `json:"routes"`
	Calls      map[string]int                 `json:"calls"` // every op, zeros included
	Writes     int                            `json:"writes"`
	TotalCalls int                            `json:"total_calls"`
}

// domainJSON leaves out SMTPPassword and credential passwords on purpose.
type domainJSON struct {
	Name                       string       `json:"name"`
	ID                         string       `json:"id"`
	State                      string       `json:"state"`
	SpamAction                 string       `json:"spam_action"`
	WebScheme                  string       `json:"web_scheme"`
	WebPrefix                  string       `json:"web_prefix"`
	SMTPLogin                  string       `json:"smtp_login"`
	DKIMSelector               string       `json:"dkim_selector"`
	DKIMKeySize                int          `json:"dkim_key_size"`
	Wildcard                   bool         `json:"wildcard"`
	RequireTLS                 bool         `json:"require_tls"`
	SkipVerification           bool         `json:"skip_verification"`
	UseAutomaticSenderSecurity bool         `json:"use_automatic_sender_security"`
	ForceDKIMAuthority         bool         `json:"force_dkim_authority"`
	MessageTTL                 int          `json:"message_ttl"`
	CreatedAt                  time.Time    `json:"created_at"`
	Tracking                   trackingJSON `json:"tracking"`
	Credentials                []string     `json:"credentials"` // logins, sorted
}

type trackingJSON struct {
	Click         bool   `json:"click"`
	ClickHTMLOnly bool   `json:"click_html_only"`
	Open          bool   `json:"open"`
	Unsubscribe   bool   `json:"unsubscribe"`
	HTMLFooter    string `json:"html_footer"`
	TextFooter    string `json:"text_footer"`
}

type routeJSON struct {
	ID          string    `json:"id"`
	Priority    int       `json:"priority"`
	Description string    `json:"description"`
	Expression  string    `json:"expression"`
	Actions     []string  `json:"actions"`
	CreatedAt   time.Time `json:"created_at"`
}

func (a *admin) state(w http.ResponseWriter, _ *http.Request) {
	// Each accessor locks on its own, so the dump is not one atomic
	// snapshot; for a test harness reading between steps that is enough.
	out := stateJSON{
		Domains:  []domainJSON{},
		Webhooks: map[string]map[string][]string{},
		Routes:   []routeJSON{},
		Calls:    map[string]int{},
	}
	for _, d := range a.emu.Domains() {
		logins := make([]string, 0, len(d.Credentials))
		for l := range d.Credentials {
			logins = append(logins, l)
		}
		sort.Strings(logins)
		t := d.Tracking
		out.Domains = append(out.Domains, domainJSON{
			Name: d.Name, ID: d.ID, State: d.State, SpamAction: d.SpamAction, WebScheme: d.WebScheme, WebPrefix: d.WebPrefix,
			SMTPLogin: d.SMTPLogin, DKIMSelector: d.DKIMSelector, DKIMKeySize: d.DKIMKeySize, Wildcard: d.Wildcard,
			RequireTLS: d.RequireTLS, SkipVerification: d.SkipVerification, UseAutomaticSenderSecurity: d.UseAutomaticSenderSecurity,
			ForceDKIMAuthority: d.ForceDKIMAuthority, MessageTTL: d.MessageTTL, CreatedAt: d.CreatedAt,
			Tracking: trackingJSON{Click: t.Click, ClickHTMLOnly: t.ClickHTMLOnly, Open: t.Open, Unsubscribe: t.Unsubscribe,
				HTMLFooter: t.HTMLFooter, TextFooter: t.TextFooter},
			Credentials: logins,
		})
		if hooks := a.emu.Webhooks(d.Name); len(hooks) > 0 {
			out.Webhooks[d.Name] = hooks
		}
	}
	for _, r := range a.emu.Routes() {
		out.Routes = append(out.Routes, routeJSON{ID: r.ID, Priority: r.Priority, Description: r.Description,
			Expression: r.Expression, Actions: r.Actions, CreatedAt: r.CreatedAt})
	}
	for _, op := range mailguntest.Ops() {
		out.Calls[string(op)] = a.emu.Calls(op)
	}
	out.Writes = a.emu.Writes()
	out.TotalCalls = a.emu.TotalCalls()
	writeJSON(w, http.StatusOK, out)
}

// dnsValid marks a domain's DNS valid (or, with {"valid": false}, broken).
// An empty body means valid. The domain need not exist yet.
func (a *admin) dnsValid(w http.ResponseWriter, r *http.Request) {
	body := struct {
		Valid *bool `json:"valid"`
	}{}
	if err := decodeOptional(r, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, message{err.Error()})
		return
	}
	valid := body.Valid == nil || *body.Valid
	name := r.PathValue("name")
	a.emu.SetDNSValid(name, valid)
	word := "valid"
	if !valid {
		word = "invalid"
	}
	writeJSON(w, http.StatusOK, message{"DNS of " + name + " marked " + word})
}

// faultJSON is a mailguntest.Fault with its op, as JSON. Durations are Go
// duration strings ("250ms"). The reset time is either absolute (RFC 3339)
// or relative to now, which is easier across processes.
type faultJSON struct {
	Op               string      `json:"op"`
	Status           int         `json:"status"`
	Times            int         `json:"times"`
	RateLimitReset   *time.Time  `json:"rate_limit_reset"`
	RateLimitResetIn string      `json:"rate_limit_reset_in"`
	Delay            string      `json:"delay"`
	DropConnection   bool        `json:"drop_connection"`
	AfterApply       bool        `json:"after_apply"` // serve first, then delay or drop the answer
	Body             string      `json:"body"`
	Header           http.Header `json:"header"`
}

func (fj faultJSON) fault(now time.Time) (mailguntest.Op, mailguntest.Fault, error) {
	op := mailguntest.Op(fj.Op)
	if !op.Valid() {
		return "", mailguntest.Fault{}, errors.New("unknown op " + `"` + fj.Op + `"`)
	}
	f := mailguntest.Fault{Status: fj.Status, Times: fj.Times, DropConnection: fj.DropConnection, Body: fj.Body, Header: fj.Header,
		AfterApply: fj.AfterApply}
	if fj.Status != 0 && (fj.Status < 100 || fj.Status > 599) {
		return "", f, errors.New("status must be an HTTP status code")
	}
	if fj.Delay != "" {
		d, err := time.ParseDuration(fj.Delay)
		if err != nil || d < 0 {
			return "", f, errors.New("delay must be a non-negative Go duration such as 250ms")
		}
		f.Delay = d
	}
	switch {
	case fj.RateLimitReset != nil && fj.RateLimitResetIn != "":
		return "", f, errors.New("give rate_limit_reset or rate_limit_reset_in, not both")
	case fj.RateLimitReset != nil:
		f.RateLimitReset = *fj.RateLimitReset
	case fj.RateLimitResetIn != "":
		d, err := time.ParseDuration(fj.RateLimitResetIn)
		if err != nil {
			return "", f, errors.New("rate_limit_reset_in must be a Go duration such as 2.5s")
		}
		f.RateLimitReset = now.Add(d)
	}
	return op, f, nil
}

func (a *admin) faults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		var fj faultJSON
		if err := decodeOptional(r, &fj); err != nil {
			writeJSON(w, http.StatusBadRequest, message{err.Error()})
			return
		}
		op, f, err := fj.fault(time.Now())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, message{err.Error()})
			return
		}
		a.emu.InjectFault(op, f)
		writeJSON(w, http.StatusOK, message{"fault queued for " + string(op)})
	case http.MethodDelete:
		a.emu.ClearFaults()
		writeJSON(w, http.StatusOK, message{"faults cleared"})
	default:
		w.Header().Set("Allow", "POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, message{"use POST to add a fault or DELETE to clear them"})
	}
}

func (a *admin) resetCalls(w http.ResponseWriter, _ *http.Request) {
	a.emu.ResetCalls()
	writeJSON(w, http.StatusOK, message{"calls reset"})
}

func (a *admin) notFoundAfterCreate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Duration string `json:"duration"`
	}
	if err := decodeOptional(r, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, message{err.Error()})
		return
	}
	d, err := time.ParseDuration(body.Duration)
	if err != nil || d < 0 {
		writeJSON(w, http.StatusBadRequest, message{"duration must be a non-negative Go duration such as 2s (0 turns it off)"})
		return
	}
	a.emu.SetNotFoundAfterCreate(d)
	writeJSON(w, http.StatusOK, message{"not-found-after-create set to " + d.String()})
}

// decodeOptional decodes a JSON body strictly (unknown fields are typos worth
// an error); an empty body leaves v as it is.
func decodeOptional(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON body: " + err.Error())
	}
	return nil
}
