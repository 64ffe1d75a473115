package mailgun

import (
	"context"
	"strconv"
)

// Event is a webhook event type. With the domain it is a webhook's identity:
// Mailgun has no webhook ids.
type Event uint8

// The events, in Mailgun's documented order.
const (
	EventAccepted Event = iota
	EventDelivered
	EventOpened
	EventClicked
	EventUnsubscribed
	EventComplained
	EventPermanentFail
	EventTemporaryFail
	NumEvents = iota
)

var eventNames = [NumEvents]string{
	EventAccepted:      "accepted",
	EventDelivered:     "delivered",
	EventOpened:        "opened",
	EventClicked:       "clicked",
	EventUnsubscribed:  "unsubscribed",
	EventComplained:    "complained",
	EventPermanentFail: "permanent_fail",
	EventTemporaryFail: "temporary_fail",
}

// String returns Mailgun's name of the event, e.g. "permanent_fail".
func (e Event) String() string {
	if e < NumEvents {
		return eventNames[e]
	}
	return "Event(" + strconv.Itoa(int(e)) + ")"
}

// ParseEvent maps Mailgun's event name to an Event. A switch, not a map:
// nothing to allocate or initialise.
func ParseEvent(s string) (Event, bool) {
	switch s {
	case "accepted":
		return EventAccepted, true
	case "delivered":
		return EventDelivered, true
	case "opened":
		return EventOpened, true
	case "clicked":
		return EventClicked, true
	case "unsubscribed":
		return EventUnsubscribed, true
	case "complained":
		return EventComplained, true
	case "permanent_fail":
		return EventPermanentFail, true
	case "temporary_fail":
		return EventTemporaryFail, true
	}
	return 0, false
}

// Events returns every event, in order.
func Events() []Event {
	out := make([]Event, NumEvents)
	for i := range out {
		out[i] = Event(i)
	}
	return out
}

// Webhooks holds the URLs of each event of a domain, indexed by Event; an
// event without webhook has a nil slice.
type Webhooks [NumEvents][]string

// ListWebhooks reads all webhooks of a domain in one call: observe with it,
// then create or update per event.
func (c *Client) ListWebhooks(ctx context.Context, a Account, domain string) (Webhooks, error) {
	var out webhooksJSON
	if err := c.do(ctx, a, &call{op: OpListWebhooks, seg1: domain, out: &out}); err != nil {
		return Webhooks{}, err
	}
	return out.webhooks(), nil
}

// CreateWebhook sets the URLs (Mailgun allows up to 3) of an event that has
// none; for an event that has URLs Mailgun answers 400 "already exists"
// (ErrConflict): use UpdateWebhook. A POST, never retried by the client.
func (c *Client) CreateWebhook(ctx context.Context, a Account, domain string, e Event, urls []string) error {
	if e >= NumEvents {
		return invalidArg(OpCreateWebhook, "unknown webhook event "+e.String())
	}
	f := newForm()
	f.add("id", e.String())
	for _, u := range urls {
		f.add("url", u) // repeated key, never comma-joined
	}
	return c.do(ctx, a, &call{op: OpCreateWebhook, seg1: domain, form: f})
}

// GetWebhook reads the URLs of one event (404 if it has none).
func (c *Client) GetWebhook(ctx context.Context, a Account, domain string, e Event) ([]string, error) {
	if e >= NumEvents {
		return nil, invalidArg(OpGetWebhook, "unknown webhook event "+e.String())
	}
	var out webhookJSON
	if err := c.do(ctx, a, &call{op: OpGetWebhook, seg1: domain, seg2: e.String(), out: &out}); err != nil {
		return nil, err
	}
	return out.Webhook.list(), nil
}

// UpdateWebhook replaces the whole URL list of an event.
func (c *Client) UpdateWebhook(ctx context.Context, a Account, domain string, e Event, urls []string) error {
	if e >= NumEvents {
		return invalidArg(OpUpdateWebhook, "unknown webhook event "+e.String())
	}
	f := newForm()
	for _, u := range urls {
		f.add("url", u)
	}
	return c.do(ctx, a, &call{op: OpUpdateWebhook, seg1: domain, seg2: e.String(), form: f})
}

// DeleteWebhook removes an event's webhook.
func (c *Client) DeleteWebhook(ctx context.Context, a Account, domain string, e Event) error {
	if e >= NumEvents {
		return invalidArg(OpDeleteWebhook, "unknown webhook event "+e.String())
	}
	return c.do(ctx, a, &call{op: OpDeleteWebhook, seg1: domain, seg2: e.String()})
}

// webhookURLs is one event's entry: {"urls": [...]} or, in older answers,
// {"url": "..."}.
type webhookURLs struct {
	URLs []string `json:"urls"`
	URL  string   `json:"url"`
}

func (w *webhookURLs) list() []string {
	if len(w.URLs) > 0 {
		return w.URLs
	}
	if w.URL != "" {
		return []string{w.URL}
	}
	return nil
}

// webhooksJSON names every event as a field: no map to build.
type webhooksJSON struct {
	Webhooks struct {
		Accepted      webhookURLs `json:"accepted"`
		Delivered     webhookURLs `json:"delivered"`
		Opened        webhookURLs `json:"opened"`
		Clicked       webhookURLs `json:"clicked"`
		Unsubscribed  webhookURLs `json:"unsubscribed"`
		Complained    webhookURLs `json:"complained"`
		PermanentFail webhookURLs `json:"permanent_fail"`
		TemporaryFail webhookURLs `json:"temporary_fail"`
	} `json:"webhooks"`
}

func (w *webhooksJSON) decode(b []byte) error {
	*w = webhooksJSON{} // a retry decodes into the struct of the failed attempt
	return unmarshal(b, w)
}

// webhooks returns the lists indexed by Event.
func (w *webhooksJSON) webhooks() Webhooks {
	h := &w.Webhooks
	return Webhooks{
		EventAccepted:      h.Accepted.list(),
		EventDelivered:     h.Delivered.list(),
		EventOpened:        h.Opened.list(),
		EventClicked:       h.Clicked.list(),
		EventUnsubscribed:  h.Unsubscribed.list(),
		EventComplained:    h.Complained.list(),
		EventPermanentFail: h.PermanentFail.list(),
		EventTemporaryFail: h.TemporaryFail.list(),
	}
}

type webhookJSON struct {
	Webhook webhookURLs `json:"webhook"`
}

func (w *webhookJSON) decode(b []byte) error {
	*w = webhookJSON{}
	return unmarshal(b, w)
}
