package mailgun

import (
	"context"
	"errors"
)

// Tracking is a domain's tracking settings, normalised: Mailgun reads them
// as booleans (click.active may also be "htmlonly") and writes them as
// "yes"/"no"/"htmlonly" strings. ClickHTMLOnly implies Click.
type Tracking struct {
	Click, ClickHTMLOnly, Open, Unsubscribe      bool
	UnsubscribeHTMLFooter, UnsubscribeTextFooter string
}

// GetTracking reads a domain's tracking settings.
func (c *Client) GetTracking(ctx context.Context, a Account, domain string) (Tracking, error) {
	var out trackingJSON
	if err := c.do(ctx, a, &call{op: OpGetTracking, seg1: domain, out: &out}); err != nil {
		return Tracking{}, err
	}
	return out.tracking(), nil
}

// SetClickTracking turns click tracking on or off; htmlOnly (which wins
// over active) tracks clicks in HTML mail only.
func (c *Client) SetClickTracking(ctx context.Context, a Account, domain string, active, htmlOnly bool) error {
	f := newForm()
	if htmlOnly {
		f.add("active", "htmlonly")
	} else {
		f.addYesNo("active", active)
	}
	return c.do(ctx, a, &call{op: OpSetClickTracking, seg1: domain, form: f})
}

// SetOpenTracking turns open tracking on or off.
func (c *Client) SetOpenTracking(ctx context.Context, a Account, domain string, active bool) error {
	f := newForm()
	f.addYesNo("active", active)
	return c.do(ctx, a, &call{op: OpSetOpenTracking, seg1: domain, form: f})
}

// SetUnsubscribeTracking sets unsubscribe tracking and its footers. Both
// footers are always sent, empty ones too, so the result is exactly what
// was asked for and a later GetTracking compares equal.
func (c *Client) SetUnsubscribeTracking(ctx context.Context, a Account, domain string, active bool, htmlFooter, textFooter string) error {
	f := newForm()
	f.addYesNo("active", active)
	f.add("html_footer", htmlFooter)
	f.add("text_footer", textFooter)
	return c.do(ctx, a, &call{op: OpSetUnsubscribeTracking, seg1: domain, form: f})
}

// SetDKIMSelector changes the DKIM selector. Mailgun does not return the
// selector on reads, so it cannot be drift-checked.
func (c *Client) SetDKIMSelector(ctx context.Context, a Account, domain, selector string) error {
	if selector == "" {
		return invalidArg(OpSetDKIMSelector, "DKIM selector is required")
	}
	f := newForm()
	f.add("dkim_selector", selector)
	return c.do(ctx, a, &call{op: OpSetDKIMSelector, seg1: domain, form: f})
}

// SetDKIMAuthority makes the domain its own DKIM authority (self) or not.
func (c *Client) SetDKIMAuthority(ctx context.Context, a Account, domain string, self bool) error {
	f := newForm()
	f.addBool("self", self)
	return c.do(ctx, a, &call{op: OpSetDKIMAuthority, seg1: domain, form: f})
}

// trackingActive decodes an "active" that is a bool, a yes/no/true/false
// string, or "htmlonly".
type trackingActive struct{ on, htmlOnly bool }

func (t *trackingActive) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case `"htmlonly"`:
		*t = trackingActive{on: true, htmlOnly: true}
	case "true", `"true"`, `"yes"`:
		*t = trackingActive{on: true}
	case "false", `"false"`, `"no"`, "null", `""`:
		*t = trackingActive{}
	default:
		return errors.New("not a tracking state: " + truncate(data))
	}
	return nil
}

type trackingJSON struct {
	Tracking struct {
		Click struct {
			Active trackingActive `json:"active"`
		} `json:"click"`
		Open struct {
			Active trackingActive `json:"active"`
		} `json:"open"`
		Unsubscribe struct {
			Active     trackingActive `json:"active"`
			HTMLFooter string         `json:"html_footer"`
			TextFooter string         `json:"text_footer"`
		} `json:"unsubscribe"`
	} `json:"tracking"`
}

func (t *trackingJSON) decode(b []byte) error {
	*t = trackingJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, t)
}

func (t *trackingJSON) tracking() Tracking {
	tr := &t.Tracking
	return Tracking{
		Click:                 tr.Click.Active.on,
		ClickHTMLOnly:         tr.Click.Active.htmlOnly,
		Open:                  tr.Open.Active.on,
		Unsubscribe:           tr.Unsubscribe.Active.on,
		UnsubscribeHTMLFooter: tr.Unsubscribe.HTMLFooter,
		UnsubscribeTextFooter: tr.Unsubscribe.TextFooter,
	}
}
