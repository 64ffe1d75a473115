package mailgun

import (
	"context"
)

// Template is a stored message template of a domain (without its versions).
type Template struct {
	Name, Description, CreatedAt string
}

// TemplateVersion is one version of a template. Body is set only by
// GetTemplateVersion: the versions list carries no bodies
// (docs/mailgun-api.md, "Templates").
type TemplateVersion struct {
	Tag, Engine, Comment, Body, CreatedAt string
	Active                                bool
}

// CreateTemplateRequest makes a template and, when Version is set, its
// first version, which Mailgun makes active.
type CreateTemplateRequest struct {
	Name, Description string
	Version           *TemplateVersion
}

// UpdateTemplateVersionRequest changes a version: the non-nil fields, and
// makes it the active one when Active is set (false leaves activity as it
// is: Mailgun has no "deactivate").
type UpdateTemplateVersionRequest struct {
	Body, Comment *string
	Active        bool
}

// TemplateVersionsPage is the versions list's page size: its documented
// maximum, 100 (docs/mailgun-api.md, "Templates"), above the 40 versions a
// template may hold, so one page lists them all.
const TemplateVersionsPage = 100

// CreateTemplate stores a template. A POST, never retried.
func (c *Client) CreateTemplate(ctx context.Context, a Account, domain string, r CreateTemplateRequest) (Template, error) {
	if r.Name == "" {
		return Template{}, invalidArg(OpCreateTemplate, "template name is required")
	}
	f := newForm()
	f.add("name", r.Name)
	if r.Description != "" {
		f.add("description", r.Description)
	}
	if v := r.Version; v != nil {
		addVersion(f, v)
	}
	var out templateAnswerJSON
	if err := c.do(ctx, a, &call{op: OpCreateTemplate, seg1: domain, form: f, out: &out}); err != nil {
		return Template{}, err
	}
	t := out.template()
	if t.Name == "" {
		t.Name = r.Name
	}
	return t, nil
}

func addVersion(f *form, v *TemplateVersion) {
	f.add("template", v.Body)
	if v.Tag != "" {
		f.add("tag", v.Tag)
	}
	if v.Engine != "" {
		f.add("engine", v.Engine)
	}
	if v.Comment != "" {
		f.add("comment", v.Comment)
	}
}

// GetTemplate reads a template's name and description.
func (c *Client) GetTemplate(ctx context.Context, a Account, domain, name string) (Template, error) {
	var out templateAnswerJSON
	if err := c.do(ctx, a, &call{op: OpGetTemplate, seg1: domain, seg2: name, out: &out}); err != nil {
		return Template{}, err
	}
	return out.template(), nil
}

// UpdateTemplate sets a template's description, the one field it has.
func (c *Client) UpdateTemplate(ctx context.Context, a Account, domain, name, description string) error {
	f := newForm()
	f.add("description", description)
	return c.do(ctx, a, &call{op: OpUpdateTemplate, seg1: domain, seg2: name, form: f})
}

// DeleteTemplate deletes a template with all its versions.
func (c *Client) DeleteTemplate(ctx context.Context, a Account, domain, name string) error {
	return c.do(ctx, a, &call{op: OpDeleteTemplate, seg1: domain, seg2: name})
}

// ListTemplateVersions lists a template's versions, without bodies, in one
// page of TemplateVersionsPage.
func (c *Client) ListTemplateVersions(ctx context.Context, a Account, domain, name string) ([]TemplateVersion, error) {
	var out templateAnswerJSON
	if err := c.do(ctx, a, &call{op: OpListTemplateVersions, seg1: domain, seg2: name,
		list: ListOptions{Limit: TemplateVersionsPage}, out: &out}); err != nil {
		return nil, err
	}
	vs := make([]TemplateVersion, len(out.Template.Versions))
	for i := range out.Template.Versions {
		vs[i] = out.Template.Versions[i].version()
	}
	return vs, nil
}

// CreateTemplateVersion adds a version (Active makes it the active one). A
// POST, never retried.
func (c *Client) CreateTemplateVersion(ctx context.Context, a Account, domain, name string, v TemplateVersion) error {
	if v.Tag == "" {
		return invalidArg(OpCreateTemplateVersion, "version tag is required")
	}
	f := newForm()
	addVersion(f, &v)
	if v.Active {
		f.addYesNo("active", true)
	}
	return c.do(ctx, a, &call{op: OpCreateTemplateVersion, seg1: domain, seg2: name, form: f})
}

// GetTemplateVersion reads one version with its body.
func (c *Client) GetTemplateVersion(ctx context.Context, a Account, domain, name, tag string) (TemplateVersion, error) {
	var out templateAnswerJSON
	if err := c.do(ctx, a, &call{op: OpGetTemplateVersion, seg1: domain, seg2: name, seg3: tag, out: &out}); err != nil {
		return TemplateVersion{}, err
	}
	if out.Template.Version == nil {
		// A 200 without the version is a malformed answer: transient,
		// never "not found".
		return TemplateVersion{}, &Error{Op: OpGetTemplateVersion, Status: 200, Message: "answer has no version", kind: ErrTransient}
	}
	return out.Template.Version.version(), nil
}

// UpdateTemplateVersion changes a version's body or comment, or makes it
// active. With nothing to send it sends nothing.
func (c *Client) UpdateTemplateVersion(ctx context.Context, a Account, domain, name, tag string, r UpdateTemplateVersionRequest) error {
	f := newForm()
	if r.Body != nil {
		f.add("template", *r.Body)
	}
	f.addOpt("comment", r.Comment)
	if r.Active {
		f.addYesNo("active", true)
	}
	if f.empty() {
		f.release()
		return nil
	}
	return c.do(ctx, a, &call{op: OpUpdateTemplateVersion, seg1: domain, seg2: name, seg3: tag, form: f})
}

// DeleteTemplateVersion deletes one version.
func (c *Client) DeleteTemplateVersion(ctx context.Context, a Account, domain, name, tag string) error {
	return c.do(ctx, a, &call{op: OpDeleteTemplateVersion, seg1: domain, seg2: name, seg3: tag})
}

// templateAnswerJSON is every template answer: {"template": {...}} with a
// "version" (create, get version) or "versions" (list).
type templateAnswerJSON struct {
	Template struct {
		Name        string                `json:"name"`
		Description string                `json:"description"`
		CreatedAt   flexString            `json:"createdAt"`
		Version     *templateVersionJSON  `json:"version"`
		Versions    []templateVersionJSON `json:"versions"`
	} `json:"template"`
}

type templateVersionJSON struct {
	Tag       string     `json:"tag"`
	Engine    flexString `json:"engine"`
	Comment   string     `json:"comment"`
	Template  string     `json:"template"`
	CreatedAt flexString `json:"createdAt"`
	Active    flexBool   `json:"active"`
}

func (v *templateVersionJSON) version() TemplateVersion {
	return TemplateVersion{Tag: v.Tag, Engine: string(v.Engine), Comment: v.Comment, Body: v.Template,
		CreatedAt: string(v.CreatedAt), Active: bool(v.Active)}
}

func (t *templateAnswerJSON) decode(b []byte) error {
	*t = templateAnswerJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, t)
}

func (t *templateAnswerJSON) template() Template {
	return Template{Name: t.Template.Name, Description: t.Template.Description, CreatedAt: string(t.Template.CreatedAt)}
}
