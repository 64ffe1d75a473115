package mailgun

import (
	"context"
	"io"
	"sync"
)

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
	out := newDomainInfoJSON()
	defer out.release()
	if err := c.do(ctx, a, &call{op: OpGetDomain, seg1: name, out: out}); err != nil {
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
	RecordType enumString `json:"record_type"`
	Name       aString    `json:"name"`
	Value      aString    `json:"value"`
	Priority   enumString `json:"priority"` // a string ("10"); numbers accepted too
	Valid      enumString `json:"valid"`
	IsActive   flexBool   `json:"is_active"`
}

type domainJSON struct {
	ID                         aString    `json:"id"`
	Name                       aString    `json:"name"`
	State                      enumString `json:"state"`
	Type                       enumString `json:"type"`
	SMTPLogin                  aString    `json:"smtp_login"`
	SpamAction                 enumString `json:"spam_action"`
	WebPrefix                  enumString `json:"web_prefix"`
	WebScheme                  enumString `json:"web_scheme"`
	TrackingHost               aString    `json:"tracking_host"`
	MailfromHost               aString    `json:"mailfrom_host"`
	Wildcard                   flexBool   `json:"wildcard"`
	RequireTLS                 flexBool   `json:"require_tls"`
	SkipVerification           flexBool   `json:"skip_verification"`
	IsDisabled                 flexBool   `json:"is_disabled"`
	UseAutomaticSenderSecurity flexBool   `json:"use_automatic_sender_security"`
	MessageTTL                 flexInt    `json:"message_ttl"`
	CreatedAt                  aString    `json:"created_at"`
}

func (d *domainJSON) setArena(a *arena) {
	d.ID.ar, d.Name.ar, d.SMTPLogin.ar, d.TrackingHost.ar, d.MailfromHost.ar, d.CreatedAt.ar = a, a, a, a, a, a
}

func (d *domainJSON) domain() Domain {
	return Domain{
		ID: d.ID.get(), Name: d.Name.get(), State: string(d.State), Type: string(d.Type), SMTPLogin: d.SMTPLogin.get(),
		SpamAction: string(d.SpamAction), WebPrefix: string(d.WebPrefix), WebScheme: string(d.WebScheme),
		TrackingHost: d.TrackingHost.get(), MailfromHost: d.MailfromHost.get(),
		Wildcard: bool(d.Wildcard), RequireTLS: bool(d.RequireTLS), SkipVerification: bool(d.SkipVerification),
		IsDisabled: bool(d.IsDisabled), UseAutomaticSenderSecurity: bool(d.UseAutomaticSenderSecurity),
		MessageTTL: int(d.MessageTTL), CreatedAt: d.CreatedAt.get(),
	}
}

// domainInfoJSON is the answer of get, create and verify.
//
// GetDomain is the hot call (every drift check), so the record lists decode
// into space inside this struct: a domain has 3-4 sending records (SPF,
// DKIM or two DKIM CNAMEs, tracking) and 2 receiving ones (MX), and the
// decoder (domaindecode.go, like encoding/json before it) appends into a
// slice's spare capacity instead of growing it one element at a time.
// Larger answers still decode, into grown slices. The strings of the
// domain and of the records in space share one arena; the struct itself is
// pooled (newDomainInfoJSON) for the hot call, as it is over 1 KiB.
type domainInfoJSON struct {
	Domain    domainJSON      `json:"domain"`
	Sending   []dnsRecordJSON `json:"sending_dns_records"`
	Receiving []dnsRecordJSON `json:"receiving_dns_records"`
	space     [6]dnsRecordJSON
	ar        arena
	cur       cursor // the decoder's, here to spare an allocation (handdecode.go)
}

var domainInfoPool = sync.Pool{New: func() any { return new(domainInfoJSON) }}

func newDomainInfoJSON() *domainInfoJSON { return domainInfoPool.Get().(*domainInfoJSON) }

// release zeroes d, but for its arena's span capacity (arena.emptied: the
// pool must not keep an answer's strings alive, and the decoder does not
// clear fields an answer leaves out), and pools it. d must not be used
// afterwards; what info returned stays valid.
func (d *domainInfoJSON) release() {
	*d = domainInfoJSON{ar: d.ar.emptied()}
	domainInfoPool.Put(d)
}

func (d *domainInfoJSON) decode(r io.Reader) error {
	d.prepare()
	return d.finish(decodeAnswer(r, d.decodeBytes))
}

// prepare readies d for an answer, from zero (a retry decodes into the
// struct of the failed attempt, whose fields may point into that attempt's
// arena): the arena, and the record lists in d's space, their elements
// pointing at the arena.
func (d *domainInfoJSON) prepare() {
	*d = domainInfoJSON{ar: d.ar.emptied()}
	d.ar.start()
	d.Domain.setArena(&d.ar)
	for i := range d.space {
		d.space[i].Name.ar, d.space[i].Value.ar = &d.ar, &d.ar
	}
	d.Sending, d.Receiving = d.space[0:0:4], d.space[4:4:6]
}

// finish freezes the arena after decoding; the result is the decode's
// error, else the arena's first type error.
func (d *domainInfoJSON) finish(err error) error {
	if terr := d.ar.freeze(); err == nil {
		err = terr
	}
	return err
}

// info converts to the public type with one allocation for both lists.
func (d *domainInfoJSON) info() DomainInfo {
	out := DomainInfo{Domain: d.Domain.domain()}
	ns, nr := len(d.Sending), len(d.Receiving)
	if ns+nr == 0 {
		return out
	}
	recs := make([]DNSRecord, ns+nr)
	for i := range d.Sending {
		recs[i] = d.Sending[i].record()
	}
	for i := range d.Receiving {
		recs[ns+i] = d.Receiving[i].record()
	}
	// Capacity-limited so appending to one list cannot overwrite the other.
	if ns > 0 {
		out.SendingDNSRecords = recs[:ns:ns]
	}
	if nr > 0 {
		out.ReceivingDNSRecords = recs[ns:]
	}
	return out
}

func (r *dnsRecordJSON) record() DNSRecord {
	return DNSRecord{
		RecordType: string(r.RecordType), Name: r.Name.get(), Value: r.Value.get(),
		Priority: string(r.Priority), Valid: string(r.Valid), IsActive: bool(r.IsActive),
	}
}

type domainPageJSON struct {
	TotalCount flexInt      `json:"total_count"`
	Items      []domainJSON `json:"items"`
}

func (p *domainPageJSON) decode(r io.Reader) error {
	*p = domainPageJSON{} // a retry decodes into the struct of the failed attempt
	return decodeJSON(r, p)
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
