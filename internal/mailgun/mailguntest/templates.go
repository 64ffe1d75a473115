package mailguntest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Template is one stored message template of a domain, as tests set it up
// and inspect it.
type Template struct {
	Name, Description string
	Versions          []TemplateVersion // in creation order
}

// TemplateVersion is one version of a template.
type TemplateVersion struct {
	Tag, Engine, Comment, Body string
	Active                     bool
	CreatedAt                  time.Time // set when zero
}

// Template limits (docs/mailgun-api.md, "Templates").
const (
	maxTemplateVersions = 40
	maxTemplateBody     = 100 << 10
	defaultTemplateTag  = "initial"
	engineHandlebars    = "handlebars"
)

type templateState struct {
	Template
	createdAt time.Time
}

// templateEndpoints live beside the mux's endpoints: "/v3/{domain}/templates"
// overlaps "/v3/domains/{name}/…" and "/v3/routes/{id}" in a way ServeMux
// refuses, so ServeHTTP sends template paths to a mux of their own.
var templateEndpoints = []endpoint{
	{http.MethodPost, "/v3/{name}/templates", OpCreateTemplate, (*Server).createTemplate},
	{http.MethodGet, "/v3/{name}/templates/{template}", OpGetTemplate, (*Server).getTemplate},
	{http.MethodPut, "/v3/{name}/templates/{template}", OpUpdateTemplate, (*Server).updateTemplate},
	{http.MethodDelete, "/v3/{name}/templates/{template}", OpDeleteTemplate, (*Server).deleteTemplate},
	{http.MethodGet, "/v3/{name}/templates/{template}/versions", OpListTemplateVersions, (*Server).listTemplateVersions},
	{http.MethodPost, "/v3/{name}/templates/{template}/versions", OpCreateTemplateVersion, (*Server).createTemplateVersion},
	{http.MethodGet, "/v3/{name}/templates/{template}/versions/{tag}", OpGetTemplateVersion, (*Server).getTemplateVersion},
	{http.MethodPut, "/v3/{name}/templates/{template}/versions/{tag}", OpUpdateTemplateVersion, (*Server).updateTemplateVersion},
	{http.MethodDelete, "/v3/{name}/templates/{template}/versions/{tag}", OpDeleteTemplateVersion, (*Server).deleteTemplateVersion},
}

// isTemplatePath says whether an escaped path is under /v3/{domain}/templates.
func isTemplatePath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/v3/")
	if !ok {
		return false
	}
	dom, rest, _ := strings.Cut(rest, "/")
	if dom == "domains" || dom == "routes" || dom == "lists" {
		return false
	}
	return rest == "templates" || strings.HasPrefix(rest, "templates/")
}

func templateNotFound() answer { return fail(http.StatusNotFound, "template not found") }

func versionNotFound() answer { return fail(http.StatusNotFound, "version not found") }

// checkTemplateName applies the documented alphabet: letters, digits and
// ".-_~" (docs/mailgun-api.md, "Templates").
func checkTemplateName(what, s string) *requestError {
	if s == "" {
		return badRequest(what + " is required")
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-_~", c)) {
			return badRequest(what + " may contain only letters, digits and .-_~")
		}
	}
	return nil
}

func checkEngine(e string) *requestError {
	if e != "" && e != engineHandlebars && e != "go" {
		return badRequest("engine must be handlebars or go")
	}
	return nil
}

func checkBody(b string) *requestError {
	if len(b) > maxTemplateBody {
		return badRequest("template is larger than 100KB")
	}
	return nil
}

// withTemplate finds the domain and template of the path, 404 for either.
func (s *Server) withTemplate(w http.ResponseWriter, r *http.Request, f url.Values, fn func(ds *domainState, ts *templateState, f url.Values) answer) {
	s.locked(w, func() answer {
		ds, ok := s.lookupDomain(r)
		if !ok {
			return domainNotFound()
		}
		ts, ok := ds.templates[strings.ToLower(r.PathValue("template"))]
		if !ok {
			return templateNotFound()
		}
		return fn(ds, ts, f)
	})
}

func (s *Server) withTemplateForm(w http.ResponseWriter, r *http.Request, fn func(ds *domainState, ts *templateState, f url.Values) answer) {
	f, rerr := readForm(w, r)
	if rerr != nil {
		failRequest(rerr).write(w)
		return
	}
	s.withTemplate(w, r, f, fn)
}

type templateVersionJSON struct {
	Tag       string `json:"tag"`
	Engine    string `json:"engine"`
	Template  string `json:"template,omitempty"`
	CreatedAt string `json:"createdAt"`
	Comment   string `json:"comment"`
	Active    bool   `json:"active"`
	ID        string `json:"id"`
}

type templateJSON struct {
	Name        string                `json:"name"`
	Description string                `json:"description"`
	CreatedAt   string                `json:"createdAt"`
	CreatedBy   string                `json:"createdBy"`
	ID          string                `json:"id"`
	Version     *templateVersionJSON  `json:"version,omitempty"`
	Versions    []templateVersionJSON `json:"versions,omitempty"`
}

func toTemplateJSON(ts *templateState) templateJSON {
	return templateJSON{Name: ts.Name, Description: ts.Description, CreatedAt: mailgunTime(ts.createdAt), ID: ts.Name}
}

func toVersionJSON(v *TemplateVersion, body bool) *templateVersionJSON {
	out := &templateVersionJSON{Tag: v.Tag, Engine: v.Engine, CreatedAt: mailgunTime(v.CreatedAt), Comment: v.Comment, Active: v.Active, ID: v.Tag}
	if body {
		out.Template = v.Body
	}
	return out
}

func (ts *templateState) version(tag string) *TemplateVersion {
	for i := range ts.Versions {
		if ts.Versions[i].Tag == tag {
			return &ts.Versions[i]
		}
	}
	return nil
}

func (ts *templateState) activate(tag string) {
	for i := range ts.Versions {
		ts.Versions[i].Active = ts.Versions[i].Tag == tag
	}
}

// addVersion adds a version from a create form; the first version of a
// template is active whatever the form says (docs/mailgun-api.md).
func (s *Server) addVersion(ts *templateState, f url.Values, tag string, active bool) *requestError {
	if len(ts.Versions) >= maxTemplateVersions {
		return badRequest("template can store up to 40 versions")
	}
	engine := f.Get("engine")
	if engine == "" {
		engine = engineHandlebars
	}
	ts.Versions = append(ts.Versions, TemplateVersion{Tag: tag, Engine: engine, Comment: f.Get("comment"), Body: f.Get("template"), CreatedAt: s.now()})
	if active || len(ts.Versions) == 1 {
		ts.activate(tag)
	}
	return nil
}

func versionForm(f url.Values) *requestError {
	if rerr := checkEngine(f.Get("engine")); rerr != nil {
		return rerr
	}
	return checkBody(f.Get("template"))
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) {
	s.withDomainForm(w, r, func(ds *domainState, f url.Values) answer {
		// Mailgun lower-cases template names (docs/mailgun-api.md).
		name := strings.ToLower(f.Get("name"))
		if rerr := checkTemplateName("name", name); rerr != nil {
			return failRequest(rerr)
		}
		if _, exists := ds.templates[name]; exists {
			return fail(http.StatusConflict, "template already exists")
		}
		ts := &templateState{Template: Template{Name: name, Description: f.Get("description")}, createdAt: s.now()}
		if has(f, "template") {
			tag := f.Get("tag")
			if tag == "" {
				tag = defaultTemplateTag
			}
			if rerr := checkTemplateName("tag", tag); rerr != nil {
				return failRequest(rerr)
			}
			if rerr := versionForm(f); rerr != nil {
				return failRequest(rerr)
			}
			if rerr := s.addVersion(ts, f, tag, true); rerr != nil {
				return failRequest(rerr)
			}
		}
		if ds.templates == nil {
			ds.templates = map[string]*templateState{}
		}
		ds.templates[name] = ts
		out := toTemplateJSON(ts)
		if len(ts.Versions) > 0 {
			out.Version = toVersionJSON(&ts.Versions[0], true)
		}
		return reply(http.StatusOK, struct {
			Message  string       `json:"message"`
			Template templateJSON `json:"template"`
		}{"template has been stored", out})
	})
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	active := r.URL.Query().Get("active") == "yes"
	s.withTemplate(w, r, nil, func(_ *domainState, ts *templateState, _ url.Values) answer {
		out := toTemplateJSON(ts)
		if active {
			for i := range ts.Versions {
				if ts.Versions[i].Active {
					out.Version = toVersionJSON(&ts.Versions[i], true)
				}
			}
		}
		return reply(http.StatusOK, struct {
			Template templateJSON `json:"template"`
		}{out})
	})
}

type templateNameJSON struct {
	Name    string `json:"name"`
	Version *struct {
		Tag string `json:"tag"`
	} `json:"version,omitempty"`
}

func templateMessage(msg, name, tag string) answer {
	t := templateNameJSON{Name: name}
	if tag != "" {
		t.Version = &struct {
			Tag string `json:"tag"`
		}{tag}
	}
	return reply(http.StatusOK, struct {
		Message  string           `json:"message"`
		Template templateNameJSON `json:"template"`
	}{msg, t})
}

func (s *Server) updateTemplate(w http.ResponseWriter, r *http.Request) {
	s.withTemplateForm(w, r, func(_ *domainState, ts *templateState, f url.Values) answer {
		if !has(f, "description") {
			return fail(http.StatusBadRequest, "description is required")
		}
		ts.Description = f.Get("description")
		return templateMessage("template has been updated", ts.Name, "")
	})
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	s.withTemplate(w, r, nil, func(ds *domainState, ts *templateState, _ url.Values) answer {
		delete(ds.templates, ts.Name)
		return templateMessage("template has been deleted", ts.Name, "")
	})
}

// listTemplateVersions pages with limit (default and maximum 100) and the
// p/page cursor (docs/mailgun-api.md, "Templates").
func (s *Server) listTemplateVersions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			fail(http.StatusBadRequest, "limit must be between 1 and 100").write(w)
			return
		}
		limit = n
	}
	s.withTemplate(w, r, nil, func(_ *domainState, ts *templateState, _ url.Values) answer {
		start := 0
		if q.Get("page") == "next" {
			i := slices.IndexFunc(ts.Versions, func(v TemplateVersion) bool { return v.Tag == q.Get("p") })
			start = i + 1 // an unknown pivot starts over
		}
		end := min(start+limit, len(ts.Versions))
		out := toTemplateJSON(ts)
		out.Versions = []templateVersionJSON{}
		for i := start; i < end; i++ {
			out.Versions = append(out.Versions, *toVersionJSON(&ts.Versions[i], false))
		}
		base := requestScheme(r) + "://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit)
		paging := map[string]string{"first": base + "&page=first", "last": base + "&page=last", "previous": base + "&page=previous"}
		paging["next"] = base + "&page=next"
		if end > start {
			paging["next"] += "&p=" + url.QueryEscape(ts.Versions[end-1].Tag)
		}
		return reply(http.StatusOK, struct {
			Template templateJSON      `json:"template"`
			Paging   map[string]string `json:"paging"`
		}{out, paging})
	})
}

func (s *Server) createTemplateVersion(w http.ResponseWriter, r *http.Request) {
	s.withTemplateForm(w, r, func(_ *domainState, ts *templateState, f url.Values) answer {
		tag := f.Get("tag")
		if rerr := checkTemplateName("tag", tag); rerr != nil {
			return failRequest(rerr)
		}
		if !has(f, "template") {
			return fail(http.StatusBadRequest, "template is required")
		}
		if rerr := versionForm(f); rerr != nil {
			return failRequest(rerr)
		}
		if ts.version(tag) != nil {
			return fail(http.StatusConflict, "version already exists")
		}
		active, _ := parseBool(f.Get("active"))
		if rerr := s.addVersion(ts, f, tag, active); rerr != nil {
			return failRequest(rerr)
		}
		out := toTemplateJSON(ts)
		out.Version = toVersionJSON(ts.version(tag), true)
		return reply(http.StatusOK, struct {
			Message  string       `json:"message"`
			Template templateJSON `json:"template"`
		}{"new version of the template has been stored", out})
	})
}

func (s *Server) getTemplateVersion(w http.ResponseWriter, r *http.Request) {
	s.withTemplate(w, r, nil, func(_ *domainState, ts *templateState, _ url.Values) answer {
		v := ts.version(r.PathValue("tag"))
		if v == nil {
			return versionNotFound()
		}
		out := toTemplateJSON(ts)
		out.Version = toVersionJSON(v, true)
		return reply(http.StatusOK, struct {
			Template templateJSON `json:"template"`
		}{out})
	})
}

func (s *Server) updateTemplateVersion(w http.ResponseWriter, r *http.Request) {
	s.withTemplateForm(w, r, func(_ *domainState, ts *templateState, f url.Values) answer {
		v := ts.version(r.PathValue("tag"))
		if v == nil {
			return versionNotFound()
		}
		if rerr := checkBody(f.Get("template")); rerr != nil {
			return failRequest(rerr)
		}
		// Fields not sent are left as they are; there is no engine field.
		if has(f, "template") {
			v.Body = f.Get("template")
		}
		if has(f, "comment") {
			v.Comment = f.Get("comment")
		}
		if active, _ := parseBool(f.Get("active")); active {
			ts.activate(v.Tag)
		}
		return templateMessage("version has been updated", ts.Name, v.Tag)
	})
}

func (s *Server) deleteTemplateVersion(w http.ResponseWriter, r *http.Request) {
	s.withTemplate(w, r, nil, func(_ *domainState, ts *templateState, _ url.Values) answer {
		tag := r.PathValue("tag")
		if ts.version(tag) == nil {
			return versionNotFound()
		}
		ts.Versions = slices.DeleteFunc(ts.Versions, func(v TemplateVersion) bool { return v.Tag == tag })
		return templateMessage("version has been deleted", ts.Name, tag)
	})
}

// Templates returns a domain's templates by name, copies.
func (s *Server) Templates(domain string) map[string]Template {
	s.mu.Lock()
	defer s.mu.Unlock()
	ds, ok := s.st.domains[domain]
	if !ok {
		return nil
	}
	out := map[string]Template{}
	for name, ts := range ds.templates {
		t := ts.Template
		t.Versions = slices.Clone(t.Versions)
		out[name] = t
	}
	return out
}

// PutTemplate stores a template as if made in the Mailgun console, creating
// the domain when it does not exist. Its name is lower-cased; the first
// version is active when none is.
func (s *Server) PutTemplate(domain string, t Template) {
	s.mu.Lock()
	_, ok := s.st.domains[domain]
	s.mu.Unlock()
	if !ok {
		s.PutDomain(Domain{Name: domain})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.st.domains[domain]
	t.Name = strings.ToLower(t.Name)
	t.Versions = slices.Clone(t.Versions)
	anyActive := false
	for i := range t.Versions {
		if t.Versions[i].Engine == "" {
			t.Versions[i].Engine = engineHandlebars
		}
		if t.Versions[i].CreatedAt.IsZero() {
			t.Versions[i].CreatedAt = s.now()
		}
		anyActive = anyActive || t.Versions[i].Active
	}
	if !anyActive && len(t.Versions) > 0 {
		t.Versions[0].Active = true
	}
	if ds.templates == nil {
		ds.templates = map[string]*templateState{}
	}
	ds.templates[t.Name] = &templateState{Template: t, createdAt: s.now()}
}
