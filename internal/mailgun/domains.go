package mailgun

import "context"

// DNSRecord is one DNS record Mailgun wants for a domain. Valid is
// "valid", "invalid" or "unknown".
type DNSRecord struct {
	RecordType, Name, Value, Priority, Valid string
	IsActive                                 bool
}

// Domain is a sending domain as Mailgun reports it. The SMTP password is
// never readable, so it is not here.
type Domain struct {
	ID, Name, State, Type, SMTPLogin, SpamAction, WebPrefix, WebScheme, TrackingHost, MailfromHost string
	Wildcard, RequireTLS, SkipVerification, IsDisabled, UseAutomaticSenderSecurity                 bool
	MessageTTL                                                                                     int
	CreatedAt                                                                                      string
}

// DomainInfo is a domain with the DNS records it needs (get, create, verify).
type DomainInfo struct {
	Domain              Domain
	SendingDNSRecords   []DNSRecord
	ReceivingDNSRecords []DNSRecord
}

// CreateDomainRequest: zero and nil fields are not sent, so Mailgun's
// defaults apply to them.
type CreateDomainRequest struct {
	Name, SMTPPassword, SpamAction, DKIMSelector, WebScheme, WebPrefix                     string
	Wildcard, ForceDKIMAuthority, UseAutomaticSenderSecurity, RequireTLS, SkipVerification *bool
	DKIMKeySize                                                                            int
}

// UpdateDomainRequest: only non-nil fields are sent.
type UpdateDomainRequest struct {
	SpamAction, WebScheme, WebPrefix, SMTPPassword                     *string
	Wildcard, RequireTLS, SkipVerification, UseAutomaticSenderSecurity *bool
}

// ListOptions pages a list with skip/limit; zero values are not sent and
// Mailgun's defaults apply (100 items).
type ListOptions struct{ Skip, Limit int }

// DomainPage is one page of ListDomains.
type DomainPage struct {
	TotalCount int
	Items      []Domain
}

// ListDomains lists the account's domains (without DNS records).
func (c *Client) ListDomains(ctx context.Context, a Account, o ListOptions) (DomainPage, error) {
	var out domainPageJSON
	err := c.do(ctx, a, &call{op: OpListDomains, list: o, out: &out})
	if err != nil {
		return DomainPage{}, err
	}
	return out.page(), nil
}

// CreateDomain creates a domain. A second create of the same name answers
// 400 "already exists", which classifies as ErrConflict. It is a POST and
// never retried by the client.
func (c *Client) CreateDomain(ctx context.Context, a Account, r CreateDomainRequest) (DomainInfo, error) {
	if r.Name == "" {
		return DomainInfo{}, invalidArg(OpCreateDomain, "domain name is required")
	}
	f := newForm()
	f.add("name", r.Name)
	if r.SMTPPassword != "" {
		f.add("smtp_password", r.SMTPPassword)
	}
	if r.SpamAction != "" {
		f.add("spam_action", r.SpamAction)
	}
	if r.DKIMSelector != "" {
		f.add("dkim_selector", r.DKIMSelector)
	}
	if r.WebScheme != "" {
		f.add("web_scheme", r.WebScheme)
	}
	if r.WebPrefix != "" {
		f.add("web_prefix", r.WebPrefix)
	}
	f.addOptBool("wildcard", r.Wildcard)
	f.addOptBool("force_dkim_authority", r.ForceDKIMAuthority)
	f.addOptBool("use_automatic_sender_security", r.UseAutomaticSenderSecurity)
	f.addOptBool("require_tls", r.RequireTLS)
	f.addOptBool("skip_verification", r.SkipVerification)
	if r.DKIMKeySize > 0 {
		f.addInt("dkim_key_size", r.DKIMKeySize)
	}
	var out domainInfoJSON
	if err := c.do(ctx, a, &call{op: OpCreateDomain, form: f, out: &out}); err != nil {
		return DomainInfo{}, err
	}
	return out.info(), nil
}

// GetDomain reads a domain and its DNS records.
func (c *Client) GetDomain(ctx context.Context, a Account, name string) (DomainInfo, error) {
	var out domainInfoJSON
	if err := c.do(ctx, a, &call{op: OpGetDomain, seg1: name, out: &out}); err != nil {
		return DomainInfo{}, err
	}
	return out.info(), nil
}

// UpdateDomain sends the set fields of r. With none set it makes no request:
// an empty PUT would only cost a call (and may answer 400).
func (c *Client) UpdateDomain(ctx context.Context, a Account, name string, r UpdateDomainRequest) error {
	f := newForm()
	f.addOpt("spam_action", r.SpamAction)
	f.addOpt("web_scheme", r.WebScheme)
	f.addOpt("web_prefix", r.WebPrefix)
	f.addOpt("smtp_password", r.SMTPPassword)
	f.addOptBool("wildcard", r.Wildcard)
	f.addOptBool("require_tls", r.RequireTLS)
	f.addOptBool("skip_verification", r.SkipVerification)
	f.addOptBool("use_automatic_sender_security", r.UseAutomaticSenderSecurity)
	if f.empty() {
		f.release()
		return nil
	}
	return c.do(ctx, a, &call{op: OpUpdateDomain, seg1: name, form: f})
}

// VerifyDomain asks Mailgun to re-check the DNS records; it answers like
// GetDomain.
func (c *Client) VerifyDomain(ctx context.Context, a Account, name string) (DomainInfo, error) {
	var out domainInfoJSON
	if err := c.do(ctx, a, &call{op: OpVerifyDomain, seg1: name, out: &out}); err != nil {
		return DomainInfo{}, err
	}
	return out.info(), nil
}

// DeleteDomain deletes a domain (a v3 endpoint).
func (c *Client) DeleteDomain(ctx context.Context, a Account, name string) error {
	return c.do(ctx, a, &call{op: OpDeleteDomain, seg1: name})
}

// Wire types: only the fields the operator uses, with flex types where
// Mailgun's JSON types are loose.

type dnsRecordJSON struct {
	RecordType flexString `json:"record_type"`
	Name       string     `json:"name"`
	Value      string     `json:"value"`
	Priority   flexString `json:"priority"` // a string ("10"); numbers accepted too
	Valid      flexString `json:"valid"`
	IsActive   flexBool   `json:"is_active"`
}

func (r *dnsRecordJSON) record() DNSRecord {
	return DNSRecord{
		RecordType: string(r.RecordType), Name: r.Name, Value: r.Value,
		Priority: string(r.Priority), Valid: string(r.Valid), IsActive: bool(r.IsActive),
	}
}

type domainJSON struct {
	ID                         string     `json:"id"`
	Name                       string     `json:"name"`
	State                      flexString `json:"state"`
	Type                       flexString `json:"type"`
	SMTPLogin                  string     `json:"smtp_login"`
	SpamAction                 flexString `json:"spam_action"`
	WebPrefix                  flexString `json:"web_prefix"`
	WebScheme                  flexString `json:"web_scheme"`
	TrackingHost               string     `json:"tracking_host"`
	MailfromHost               string     `json:"mailfrom_host"`
	Wildcard                   flexBool   `json:"wildcard"`
	RequireTLS                 flexBool   `json:"require_tls"`
	SkipVerification           flexBool   `json:"skip_verification"`
	IsDisabled                 flexBool   `json:"is_disabled"`
	UseAutomaticSenderSecurity flexBool   `json:"use_automatic_sender_security"`
	MessageTTL                 flexInt    `json:"message_ttl"`
	CreatedAt                  string     `json:"created_at"`
}

func (d *domainJSON) domain() Domain {
	return Domain{
		ID: d.ID, Name: d.Name, State: string(d.State), Type: string(d.Type), SMTPLogin: d.SMTPLogin,
		SpamAction: string(d.SpamAction), WebPrefix: string(d.WebPrefix), WebScheme: string(d.WebScheme),
		TrackingHost: d.TrackingHost, MailfromHost: d.MailfromHost,
		Wildcard: bool(d.Wildcard), RequireTLS: bool(d.RequireTLS), SkipVerification: bool(d.SkipVerification),
		IsDisabled: bool(d.IsDisabled), UseAutomaticSenderSecurity: bool(d.UseAutomaticSenderSecurity),
		MessageTTL: int(d.MessageTTL), CreatedAt: d.CreatedAt,
	}
}

// domainInfoJSON is the answer of get, create and verify.
type domainInfoJSON struct {
	Domain    domainJSON      `json:"domain"`
	Sending   []dnsRecordJSON `json:"sending_dns_records"`
	Receiving []dnsRecordJSON `json:"receiving_dns_records"`
}

func (d *domainInfoJSON) decode(b []byte) error {
	*d = domainInfoJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, d)
}

// info converts to the public type, with one allocation for both lists.
func (d *domainInfoJSON) info() DomainInfo {
	out := DomainInfo{Domain: d.Domain.domain()}
	ns, nr := len(d.Sending), len(d.Receiving)
	if ns+nr == 0 {
		return out
	}
	recs := make([]DNSRecord, 0, ns+nr)
	for i := range d.Sending {
		recs = append(recs, d.Sending[i].record())
	}
	for i := range d.Receiving {
		recs = append(recs, d.Receiving[i].record())
	}
	// Capacity-limited, so appending to one list cannot overwrite the other.
	if ns > 0 {
		out.SendingDNSRecords = recs[:ns:ns]
	}
	if nr > 0 {
		out.ReceivingDNSRecords = recs[ns:]
	}
	return out
}

type domainPageJSON struct {
	TotalCount flexInt      `json:"total_count"`
	Items      []domainJSON `json:"items"`
}

func (p *domainPageJSON) decode(b []byte) error {
	*p = domainPageJSON{}
	return unmarshal(b, p)
}

func (p *domainPageJSON) page() DomainPage {
	out := DomainPage{TotalCount: int(p.TotalCount)}
	if p.Items != nil {
		out.Items = make([]Domain, len(p.Items))
		for i := range p.Items {
			out.Items[i] = p.Items[i].domain()
		}
	}
	return out
}
