package controller

import (
	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// domainDiff is what differs between a MailgunDomain's spec and Mailgun.
// Settings left unset in the spec are never compared: they stay as they are.
type domainDiff struct {
	settings    mailgun.UpdateDomainRequest
	fields      []string
	click, open bool
	unsubscribe bool
	selector    bool
	authority   bool
}

func (d *domainDiff) empty() bool { return len(d.fields) == 0 }

// diffDomain compares the spec with the domain Mailgun returned.
func diffDomain(spec *v1alpha1.MailgunDomainSpec, got *mailgun.Domain) domainDiff {
	var d domainDiff
	diffString(&d, "spamAction", spec.SpamAction, got.SpamAction, &d.settings.SpamAction)
	diffString(&d, "webScheme", spec.WebScheme, got.WebScheme, &d.settings.WebScheme)
	diffString(&d, "webPrefix", spec.WebPrefix, got.WebPrefix, &d.settings.WebPrefix)
	diffBool(&d, "wildcard", spec.Wildcard, got.Wildcard, &d.settings.Wildcard)
	diffBool(&d, "requireTLS", spec.RequireTLS, got.RequireTLS, &d.settings.RequireTLS)
	diffBool(&d, "skipVerification", spec.SkipVerification, got.SkipVerification, &d.settings.SkipVerification)
	diffBool(&d, "useAutomaticSenderSecurity", spec.UseAutomaticSenderSecurity,
		got.UseAutomaticSenderSecurity, &d.settings.UseAutomaticSenderSecurity)
	return d
}

func diffString(d *domainDiff, name, want, got string, out **string) {
	if want != "" && want != got {
		v := want
		*out = &v
		d.fields = append(d.fields, name)
	}
}

func diffBool(d *domainDiff, name string, want *bool, got bool, out **bool) {
	if want != nil && *want != got {
		v := *want
		*out = &v
		d.fields = append(d.fields, name)
	}
}

// diffTracking adds the tracking settings that differ.
// applied is the click mode last applied (status.clickTracking).
func diffTracking(d *domainDiff, want *v1alpha1.Tracking, got mailgun.Tracking, applied v1alpha1.ClickTracking) {
	if want == nil {
		return
	}
	if want.Click != "" && observedClick(got, applied) != want.Click {
		d.click = true
		d.fields = append(d.fields, "tracking.click")
	}
	if want.Open != nil && *want.Open != got.Open {
		d.open = true
		d.fields = append(d.fields, "tracking.open")
	}
	if u := want.Unsubscribe; u != nil {
		html, text := unsubscribeFooters(u, got)
		if u.Enabled != got.Unsubscribe || html != got.UnsubscribeHTMLFooter || text != got.UnsubscribeTextFooter {
			d.unsubscribe = true
			d.fields = append(d.fields, "tracking.unsubscribe")
		}
	}
}

// diffDKIM adds the DKIM settings that differ from those last applied:
// Mailgun does not return them, so status remembers them.
func diffDKIM(d *domainDiff, spec *v1alpha1.MailgunDomainSpec, st *v1alpha1.MailgunDomainStatus) {
	if spec.DKIMSelector != "" && spec.DKIMSelector != st.DKIMSelector {
		d.selector = true
		d.fields = append(d.fields, "dkimSelector")
	}
	if spec.ForceDKIMAuthority != nil && (st.ForceDKIMAuthority == nil || *st.ForceDKIMAuthority != *spec.ForceDKIMAuthority) {
		d.authority = true
		d.fields = append(d.fields, "forceDKIMAuthority")
	}
}

// observedClick is the click mode Mailgun reports, read with what was last
// applied: Mailgun documents "active": true for both "on" and "htmlonly"
// (docs/mailgun-api.md, "Tracking"), so a true after an applied htmlOnly is
// htmlOnly. A read of the string "htmlonly", or of false, stands as it is,
// so on/off drift is still corrected.
func observedClick(t mailgun.Tracking, applied v1alpha1.ClickTracking) v1alpha1.ClickTracking {
	m := clickMode(t)
	if m == v1alpha1.ClickTrackingOn && applied == v1alpha1.ClickTrackingHTMLOnly {
		return v1alpha1.ClickTrackingHTMLOnly
	}
	return m
}

func clickMode(t mailgun.Tracking) v1alpha1.ClickTracking {
	switch {
	case t.ClickHTMLOnly:
		return v1alpha1.ClickTrackingHTMLOnly
	case t.Click:
		return v1alpha1.ClickTrackingOn
	default:
		return v1alpha1.ClickTrackingOff
	}
}

// unsubscribeFooters are the footers to have: the spec's, or Mailgun's
// where the spec leaves them unset.
func unsubscribeFooters(u *v1alpha1.UnsubscribeTracking, got mailgun.Tracking) (html, text string) {
	html, text = got.UnsubscribeHTMLFooter, got.UnsubscribeTextFooter
	if u.HTMLFooter != nil {
		html = *u.HTMLFooter
	}
	if u.TextFooter != nil {
		text = *u.TextFooter
	}
	return html, text
}

// dnsRecords copies Mailgun's records into status.
func dnsRecords(in []mailgun.DNSRecord) []v1alpha1.DNSRecord {
	if len(in) == 0 {
		return nil
	}
	out := make([]v1alpha1.DNSRecord, len(in))
	for i, r := range in {
		out[i] = v1alpha1.DNSRecord{RecordType: r.RecordType, Name: r.Name, Value: r.Value, Priority: r.Priority, Valid: r.Valid}
	}
	return out
}
