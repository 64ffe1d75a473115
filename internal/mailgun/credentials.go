package mailgun

import (
	"context"
)

// Credential is an SMTP login of a domain. Passwords are never readable.
type Credential struct{ Login, CreatedAt string }

// CredentialPage is one page of ListCredentials.
type CredentialPage struct {
	TotalCount int
	Items      []Credential
}

// ListCredentials lists a domain's SMTP logins.
func (c *Client) ListCredentials(ctx context.Context, a Account, domain string, o ListOptions) (CredentialPage, error) {
	var out credentialPageJSON
	if err := c.do(ctx, a, &call{op: OpListCredentials, seg1: domain, list: o, out: &out}); err != nil {
		return CredentialPage{}, err
	}
	return out.page(), nil
}

// CreateCredential adds an SMTP login ("user@domain") with a password. The
// password is only in the pooled form buffer, which is wiped after use, and
// never in an error.
func (c *Client) CreateCredential(ctx context.Context, a Account, domain, login, password string) error {
	if login == "" {
		return invalidArg(OpCreateCredential, "SMTP login is required")
	}
	f := newForm()
	f.add("login", login)
	f.add("password", password)
	return c.do(ctx, a, &call{op: OpCreateCredential, seg1: domain, form: f})
}

// UpdateCredential sets a new password (the same password again may answer
// 400, ErrInvalid). Never retried by the client: see its opTable row.
func (c *Client) UpdateCredential(ctx context.Context, a Account, domain, login, password string) error {
	f := newForm()
	f.add("password", password)
	return c.do(ctx, a, &call{op: OpUpdateCredential, seg1: domain, seg2: login, form: f})
}

// DeleteCredential removes an SMTP login.
func (c *Client) DeleteCredential(ctx context.Context, a Account, domain, login string) error {
	return c.do(ctx, a, &call{op: OpDeleteCredential, seg1: domain, seg2: login})
}

type credentialJSON struct {
	Login     string `json:"login"`
	CreatedAt string `json:"created_at"`
}

type credentialPageJSON struct {
	TotalCount flexInt          `json:"total_count"`
	Items      []credentialJSON `json:"items"`
}

func (p *credentialPageJSON) decode(b []byte) error {
	*p = credentialPageJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, p)
}

func (p *credentialPageJSON) page() CredentialPage {
	out := CredentialPage{TotalCount: int(p.TotalCount)}
	if p.Items != nil {
		out.Items = make([]Credential, len(p.Items))
		for i := range p.Items {
			out.Items[i] = Credential(p.Items[i])
		}
	}
	return out
}
