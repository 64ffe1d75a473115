package bench

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	mailgungo "github.com/mailgun/mailgun-go/v5"
	"github.com/mailgun/mailgun-go/v5/mtypes"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// errWrongAnswer: a client returned no error but not the canned answer.
var errWrongAnswer = errors.New("client decoded something other than the canned answer")

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// benchWorkers is the concurrency the transports are sized for: the 16
// reconcile workers the manager runs by default (4 kinds x
// --max-concurrent-reconciles=4), which is also parallelGoroutines.
const benchWorkers = 16

// newTransport is the transport both clients get: the operator's tuned one,
// sized as the manager sizes it for benchWorkers workers (16 idle
// connections per host and at most 16 connections per host), 30s timeouts,
// no compression. Every client gets a fresh one, so neither starts with
// connections the other warmed up.
func newTransport() *http.Transport {
	return mailgun.NewTransport(benchWorkers, mailgun.DefaultTimeout)
}

// ours is the operator's client as the manager runs it (metrics on), with
// the per-key rate limiter off: it would otherwise cap a benchmark at 10
// requests per second.
type ours struct {
	c *mailgun.Client
	a mailgun.Account
}

func newOurs(tb testing.TB, base string, rt http.RoundTripper) ours {
	tb.Helper()
	a, err := mailgun.NewAccount(base, apiKey)
	if err != nil {
		tb.Fatal(err)
	}
	c := mailgun.New(mailgun.Options{
		Transport:         rt,
		RequestsPerSecond: -1,
		Metrics:           mailgun.NewMetrics(),
	})
	return ours{c: c, a: a}
}

// newMailgunGo is the official SDK on the same kind of transport, with the
// same 30s overall timeout (http.Client.Timeout; ours sets a per-request
// context deadline instead).
func newMailgunGo(tb testing.TB, base string, rt http.RoundTripper) *mailgungo.Client {
	tb.Helper()
	c := mailgungo.NewMailgun(apiKey)
	if err := c.SetAPIBase(base); err != nil {
		tb.Fatal(err)
	}
	c.SetHTTPClient(&http.Client{Transport: rt, Timeout: mailgun.DefaultTimeout})
	return c
}

// The operations, once per client. Each decodes the answer into the
// client's own result type and checks a few fields, the same ones for both
// clients, so neither can skip work and a wrong answer fails the benchmark.

func ptr[T any](v T) *T { return &v }

var (
	oursRoute = mailgun.RouteRequest{
		Priority:    ptr(routePriority),
		Description: ptr(routeDescription),
		Expression:  ptr(routeExpression),
		Actions:     []string{routeAction1, routeAction2},
	}
	mgRoute = mtypes.Route{
		Priority:    routePriority,
		Description: routeDescription,
		Expression:  routeExpression,
		Actions:     []string{routeAction1, routeAction2},
	}

	// The same three fields for both clients.
	oursUpdate = mailgun.UpdateDomainRequest{
		SpamAction: ptr("tag"),
		WebScheme:  ptr("https"),
		Wildcard:   ptr(true),
	}
	mgUpdate = mailgungo.UpdateDomainOptions{
		SpamAction: mtypes.SpamActionTag,
		WebScheme:  "https",
		Wildcard:   ptr(true),
	}

	// firstRouteIDs[i] is the id of the first route on page i.
	firstRouteIDs = func() []string {
		out := make([]string, routesPages)
		for i := range out {
			out[i] = routeIDOf(i * routesPerPage)
		}
		return out
	}()
)

func (o ours) getDomain(ctx context.Context) error {
	info, err := o.c.GetDomain(ctx, o.a, benchDomain)
	if err != nil {
		return err
	}
	if info.Domain.Name != benchDomain || len(info.SendingDNSRecords) != 3 || len(info.ReceivingDNSRecords) != 2 ||
		info.ReceivingDNSRecords[1].Value != "mxb.mailgun.org" {
		return errWrongAnswer
	}
	return nil
}

func getDomainMG(ctx context.Context, c *mailgungo.Client) error {
	info, err := c.GetDomain(ctx, benchDomain, nil)
	if err != nil {
		return err
	}
	if info.Domain.Name != benchDomain || len(info.SendingDNSRecords) != 3 || len(info.ReceivingDNSRecords) != 2 ||
		info.ReceivingDNSRecords[1].Value != "mxb.mailgun.org" {
		return errWrongAnswer
	}
	return nil
}

func (o ours) listWebhooks(ctx context.Context) error {
	w, err := o.c.ListWebhooks(ctx, o.a, benchDomain)
	if err != nil {
		return err
	}
	if len(w[mailgun.EventPermanentFail]) != 3 || len(w[mailgun.EventOpened]) != 1 {
		return errWrongAnswer
	}
	return nil
}

func listWebhooksMG(ctx context.Context, c *mailgungo.Client) error {
	w, err := c.ListWebhooks(ctx, benchDomain)
	if err != nil {
		return err
	}
	if len(w["permanent_fail"]) != 3 || len(w["opened"]) != 1 {
		return errWrongAnswer
	}
	return nil
}

func (o ours) createRoute(ctx context.Context) error {
	r, err := o.c.CreateRoute(ctx, o.a, oursRoute)
	if err != nil {
		return err
	}
	if r.ID != routeID || len(r.Actions) != 2 {
		return errWrongAnswer
	}
	return nil
}

func createRouteMG(ctx context.Context, c *mailgungo.Client) error {
	r, err := c.CreateRoute(ctx, mgRoute)
	if err != nil {
		return err
	}
	if r.Id != routeID || len(r.Actions) != 2 {
		return errWrongAnswer
	}
	return nil
}

func (o ours) updateDomain(ctx context.Context) error {
	return o.c.UpdateDomain(ctx, o.a, benchDomain, oursUpdate)
}

func updateDomainMG(ctx context.Context, c *mailgungo.Client) error {
	return c.UpdateDomain(ctx, benchDomain, &mgUpdate)
}

// listRoutes reads every route, a page at a time, and stops when it has
// total_count of them: routesPages requests.
func (o ours) listRoutes(ctx context.Context, visit func(mailgun.Route)) error {
	for skip, page := 0, 0; ; page++ {
		p, err := o.c.ListRoutes(ctx, o.a, mailgun.ListOptions{Skip: skip, Limit: routesPerPage})
		if err != nil {
			return err
		}
		if page >= routesPages || len(p.Items) != routesPerPage || p.Items[0].ID != firstRouteIDs[page] {
			return errWrongAnswer
		}
		if visit != nil {
			for _, r := range p.Items {
				visit(r)
			}
		}
		skip += len(p.Items)
		if skip >= p.TotalCount {
			return nil
		}
	}
}

// listRoutesMG does the same with the SDK's iterator, stopping on
// total_count too: a bare `for it.Next(...)` loop would make a fourth
// request for the empty page after the last.
func listRoutesMG(ctx context.Context, c *mailgungo.Client, visit func(mtypes.Route)) error {
	it := c.ListRoutes(&mailgungo.ListOptions{Limit: routesPerPage})
	var items []mtypes.Route
	for page := 0; ; page++ {
		if !it.Next(ctx, &items) {
			if err := it.Err(); err != nil {
				return err
			}
			return errWrongAnswer
		}
		if page >= routesPages || len(items) != routesPerPage || items[0].Id != firstRouteIDs[page] {
			return errWrongAnswer
		}
		if visit != nil {
			for _, r := range items {
				visit(r)
			}
		}
		if it.Offset() >= it.TotalCount {
			return nil
		}
	}
}
