package bench

import (
	"bytes"
	"context"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	mailgungo "github.com/mailgun/mailgun-go/v5"
	"github.com/mailgun/mailgun-go/v5/mtypes"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// seen is what a client sent, reduced to what Mailgun acts on.
type seen struct {
	Method, Path string
	Query        url.Values
	Form         url.Values // urlencoded or multipart, parsed alike
}

// recorder is a canned server that records every request.
type recorder struct {
	*cannedServer
	mu   sync.Mutex
	reqs []seen
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{cannedServer: newCannedServer(t)}
	r.check = func(req *http.Request, body []byte) {
		s := seen{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query()}
		if len(body) > 0 {
			s.Form = parseForm(t, req.Header.Get("Content-Type"), body)
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, s)
		r.mu.Unlock()
	}
	return r
}

// take returns and forgets the requests recorded so far.
func (r *recorder) take() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

func parseForm(t *testing.T, contentType string, body []byte) url.Values {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Errorf("Content-Type %q: %v", contentType, err)
		return nil
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			t.Error(err)
		}
		return v
	case "multipart/form-data":
		f, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			t.Error(err)
			return nil
		}
		return f.Value
	}
	t.Errorf("unexpected Content-Type %q", contentType)
	return nil
}

// TestSameWork checks that, for every benchmarked operation, both clients
// send requests Mailgun treats alike (method, path, query, form fields)
// and decode the canned answer into the same values. It is what makes the
// benchmarks a comparison of equal work.
func TestSameWork(t *testing.T) {
	ctx := context.Background()
	s := newRecorder(t)
	trOurs, trMG := newTransport(), newTransport()
	t.Cleanup(trOurs.CloseIdleConnections)
	t.Cleanup(trMG.CloseIdleConnections)
	o := newOurs(t, s.URL, trOurs)
	m := newMailgunGo(t, s.URL, trMG)

	// Runs one op of each client; returns what each sent.
	both := func(t *testing.T, oursOp, mgOp func() error) {
		t.Helper()
		if err := oursOp(); err != nil {
			t.Fatalf("ours: %v", err)
		}
		got := s.take()
		if err := mgOp(); err != nil {
			t.Fatalf("mailgun-go: %v", err)
		}
		want := s.take()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("requests differ:\nours:       %+v\nmailgun-go: %+v", got, want)
		}
		if len(got) == 0 {
			t.Error("no request made")
		}
	}

	t.Run("GetDomain", func(t *testing.T) {
		var a, b domainView
		both(t, func() error {
			info, err := o.c.GetDomain(ctx, o.a, benchDomain)
			a = viewOurs(info)
			return err
		}, func() error {
			info, err := m.GetDomain(ctx, benchDomain, nil)
			b = viewMG(info)
			return err
		})
		if !reflect.DeepEqual(a, b) {
			t.Errorf("decoded differently:\nours:       %+v\nmailgun-go: %+v", a, b)
		}
		if a.Name != benchDomain || len(a.Records) != 5 || a.MessageTTL != 259200 || !a.RequireTLS {
			t.Errorf("not the canned domain: %+v", a)
		}
	})

	t.Run("ListWebhooks", func(t *testing.T) {
		a, b := map[string][]string{}, map[string][]string{}
		both(t, func() error {
			w, err := o.c.ListWebhooks(ctx, o.a, benchDomain)
			for e, urls := range w {
				if len(urls) > 0 {
					a[mailgun.Event(e).String()] = urls
				}
			}
			return err
		}, func() error {
			var err error
			b, err = m.ListWebhooks(ctx, benchDomain)
			return err
		})
		if !reflect.DeepEqual(a, b) || len(a) != 5 {
			t.Errorf("decoded differently:\nours:       %v\nmailgun-go: %v", a, b)
		}
	})

	t.Run("CreateRoute", func(t *testing.T) {
		var a, b routeView
		both(t, func() error {
			r, err := o.c.CreateRoute(ctx, o.a, oursRoute)
			a = routeView{r.ID, r.Priority, r.Description, r.Expression, r.Actions}
			return err
		}, func() error {
			r, err := m.CreateRoute(ctx, mgRoute)
			b = routeView{r.Id, r.Priority, r.Description, r.Expression, r.Actions}
			return err
		})
		want := routeView{routeID, routePriority, routeDescription, routeExpression, []string{routeAction1, routeAction2}}
		if !reflect.DeepEqual(a, want) || !reflect.DeepEqual(b, want) {
			t.Errorf("decoded:\nours:       %+v\nmailgun-go: %+v\nwant:       %+v", a, b, want)
		}
	})

	t.Run("UpdateDomain", func(t *testing.T) {
		both(t, func() error { return o.updateDomain(ctx) }, func() error { return updateDomainMG(ctx, m) })
	})

	t.Run("ListRoutes", func(t *testing.T) {
		var a, b []string
		both(t, func() error {
			return o.listRoutes(ctx, func(r mailgun.Route) { a = append(a, r.ID) })
		}, func() error {
			return listRoutesMG(ctx, m, func(r mtypes.Route) { b = append(b, r.Id) })
		})
		if len(a) != routesTotal || !reflect.DeepEqual(a, b) {
			t.Errorf("listed differently:\nours:       %v\nmailgun-go: %v", a, b)
		}
	})

	// Both listings made exactly routesPages requests (checked by both()
	// comparing them; here their count).
	t.Run("ListRoutesRequests", func(t *testing.T) {
		if err := o.listRoutes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(s.take()); n != routesPages {
			t.Errorf("ours made %d requests, want %d", n, routesPages)
		}
		if err := listRoutesMG(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(s.take()); n != routesPages {
			t.Errorf("mailgun-go made %d requests, want %d", n, routesPages)
		}
	})
}

// TestFloorSameRequests checks that BenchmarkFloor sends what ours sends.
func TestFloorSameRequests(t *testing.T) {
	ctx := context.Background()
	s := newRecorder(t)
	tr := newTransport()
	t.Cleanup(tr.CloseIdleConnections)
	o := newOurs(t, s.URL, tr)
	oursOps := map[string]op{
		"GetDomain":    o.getDomain,
		"ListWebhooks": o.listWebhooks,
		"CreateRoute":  o.createRoute,
		"UpdateDomain": o.updateDomain,
		"ListRoutes":   func(ctx context.Context) error { return o.listRoutes(ctx, nil) },
	}
	for _, c := range floorCases(t, s.URL) {
		f, ok := oursOps[c.name]
		if !ok {
			t.Errorf("floor case %s has no operation", c.name)
			continue
		}
		if err := f(ctx); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := s.take()
		for _, r := range c.reqs {
			if err := r.do(tr); err != nil {
				t.Fatalf("%s floor: %v", c.name, err)
			}
		}
		if got := s.take(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: floor sends\n%+v\nours sends\n%+v", c.name, got, want)
		}
	}
}

// domainView is a domain reduced to what both clients decode.
type domainView struct {
	Name, State, Type, SMTPLogin, SpamAction, WebPrefix, WebScheme, TrackingHost string
	RequireTLS, Wildcard, UseAutomaticSenderSecurity                             bool
	MessageTTL                                                                   int
	Records                                                                      []string
}

func viewOurs(i mailgun.DomainInfo) domainView {
	d := i.Domain
	v := domainView{
		Name: d.Name, State: d.State, Type: d.Type, SMTPLogin: d.SMTPLogin, SpamAction: d.SpamAction,
		WebPrefix: d.WebPrefix, WebScheme: d.WebScheme, TrackingHost: d.TrackingHost,
		RequireTLS: d.RequireTLS, Wildcard: d.Wildcard, UseAutomaticSenderSecurity: d.UseAutomaticSenderSecurity,
		MessageTTL: d.MessageTTL,
	}
	for _, r := range append(i.SendingDNSRecords, i.ReceivingDNSRecords...) {
		v.Records = append(v.Records, strings.Join([]string{r.RecordType, r.Name, r.Value, r.Priority, r.Valid, boolString(r.IsActive)}, "|"))
	}
	return v
}

func viewMG(i mtypes.GetDomainResponse) domainView {
	d := i.Domain
	v := domainView{
		Name: d.Name, State: d.State, Type: d.Type, SMTPLogin: d.SMTPLogin, SpamAction: string(d.SpamAction),
		WebPrefix: d.WebPrefix, WebScheme: d.WebScheme, TrackingHost: d.TrackingHost,
		RequireTLS: d.RequireTLS, Wildcard: d.Wildcard, UseAutomaticSenderSecurity: d.UseAutomaticSenderSecurity,
		MessageTTL: d.MessageTTL,
	}
	for _, r := range append(i.SendingDNSRecords, i.ReceivingDNSRecords...) {
		v.Records = append(v.Records, strings.Join([]string{r.RecordType, r.Name, r.Value, r.Priority, r.Valid, boolString(r.Active)}, "|"))
	}
	return v
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

type routeView struct {
	ID                      string
	Priority                int
	Description, Expression string
	Actions                 []string
}

// TestParallelConnections: 10,000 GetDomain calls from 16 goroutines
// sharing our client must not open more TCP connections than there are
// goroutines (a pool that keeps too few idle connections would close and
// reopen them all the time). The same run with mailgun-go, on the same
// transport and with its default http.Client, is logged for comparison and
// not asserted.
func TestParallelConnections(t *testing.T) {
	const requests = 10_000

	// hammer makes the requests and returns what the server saw.
	hammer := func(t *testing.T, s *benchServer, f op) serverStats {
		t.Helper()
		before := s.stats(t)
		var next atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range parallelGoroutines {
			wg.Go(func() {
				ctx := context.Background()
				<-start
				for next.Add(1) <= requests {
					if err := f(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		close(start)
		wg.Wait()
		after := s.stats(t)
		return serverStats{
			NewConns: after.NewConns - before.NewConns,
			Closed:   after.Closed - before.Closed,
			Requests: after.Requests - before.Requests,
		}
	}

	t.Run("ours", func(t *testing.T) {
		s := newBenchServer(t)
		tr := newTransport()
		defer tr.CloseIdleConnections()
		st := hammer(t, s, newOurs(t, s.URL, tr).getDomain)
		t.Logf("ours: %d GetDomain requests from %d goroutines opened %d TCP connections (%d closed during the run)", st.Requests, parallelGoroutines, st.NewConns, st.Closed)
		if st.Requests != requests {
			t.Errorf("server saw %d requests, want %d", st.Requests, requests)
		}
		if st.NewConns > parallelGoroutines {
			t.Errorf("%d new TCP connections for %d goroutines; want at most one per goroutine", st.NewConns, parallelGoroutines)
		}
	})

	t.Run("mailgun-go", func(t *testing.T) {
		s := newBenchServer(t)
		tr := newTransport()
		defer tr.CloseIdleConnections()
		c := newMailgunGo(t, s.URL, tr)
		st := hammer(t, s, func(ctx context.Context) error { return getDomainMG(ctx, c) })
		t.Logf("mailgun-go, same transport: %d GetDomain requests from %d goroutines opened %d TCP connections (%d closed during the run; not asserted)", st.Requests, parallelGoroutines, st.NewConns, st.Closed)
	})

	t.Run("mailgun-go-default-client", func(t *testing.T) {
		s := newBenchServer(t)
		c := mailgungo.NewMailgun(apiKey) // http.DefaultClient: 2 idle connections per host
		if err := c.SetAPIBase(s.URL); err != nil {
			t.Fatal(err)
		}
		defer http.DefaultClient.CloseIdleConnections()
		st := hammer(t, s, func(ctx context.Context) error { return getDomainMG(ctx, c) })
		t.Logf("mailgun-go, its default http.Client: %d GetDomain requests from %d goroutines opened %d TCP connections (%d closed during the run; not asserted)", st.Requests, parallelGoroutines, st.NewConns, st.Closed)
	})
}
