package bench

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"testing"

	mailgungo "github.com/mailgun/mailgun-go/v5"
)

// Every benchmark has the sub-benchmarks "ours" and "mailgun-go", run
// against one canned server (newBenchServer: a child process unless
// BENCH_SERVER=inprocess); each sub-benchmark gets its own client on a
// fresh transport of the same tuning (newTransport). The figures include
// net/http's client side, the same for both clients (BenchmarkFloor).

// op is one operation of one client.
type op func(ctx context.Context) error

// run times op over a kept-alive connection (or none: memoryTransport).
func run(b *testing.B, tr http.RoundTripper, f op) {
	if c, ok := tr.(interface{ CloseIdleConnections() }); ok {
		defer c.CloseIdleConnections()
	}
	ctx := context.Background()
	if err := f(ctx); err != nil { // warm up: open the connection, fail early
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := f(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// pair runs the two sub-benchmarks of one operation.
func pair(b *testing.B, oursOp func(ours) op, mgOp func(*mailgungo.Client) op) {
	s := newBenchServer(b)
	b.Run("ours", func(b *testing.B) {
		tr := newTransport()
		run(b, tr, oursOp(newOurs(b, s.URL, tr)))
	})
	b.Run("mailgun-go", func(b *testing.B) {
		tr := newTransport()
		run(b, tr, mgOp(newMailgunGo(b, s.URL, tr)))
	})
}

// mg adapts an SDK function to an op.
func mg(f func(context.Context, *mailgungo.Client) error) func(*mailgungo.Client) op {
	return func(c *mailgungo.Client) op {
		return func(ctx context.Context) error { return f(ctx, c) }
	}
}

// BenchmarkGetDomain: GET /v4/domains/{name}, a domain with 5 DNS records.
func BenchmarkGetDomain(b *testing.B) {
	pair(b, func(o ours) op { return o.getDomain }, mg(getDomainMG))
}

// BenchmarkListWebhooks: GET /v3/domains/{d}/webhooks, 5 events.
func BenchmarkListWebhooks(b *testing.B) {
	pair(b, func(o ours) op { return o.listWebhooks }, mg(listWebhooksMG))
}

// BenchmarkCreateRoute: POST /v3/routes with 4 fields (2 actions).
func BenchmarkCreateRoute(b *testing.B) {
	pair(b, func(o ours) op { return o.createRoute }, mg(createRouteMG))
}

// BenchmarkUpdateDomain: PUT /v4/domains/{name} with 3 fields.
func BenchmarkUpdateDomain(b *testing.B) {
	pair(b, func(o ours) op { return o.updateDomain }, mg(updateDomainMG))
}

// BenchmarkListRoutes: one op is a whole listing, routesPages GET
// /v3/routes?skip&limit requests of routesPerPage routes each.
func BenchmarkListRoutes(b *testing.B) {
	pair(b,
		func(o ours) op {
			return func(ctx context.Context) error { return o.listRoutes(ctx, nil) }
		},
		func(c *mailgungo.Client) op {
			return func(ctx context.Context) error { return listRoutesMG(ctx, c, nil) }
		})
}

// parallelGoroutines is how many goroutines BenchmarkGetDomainParallel and
// TestParallelConnections run: the operator's reconcile workers sharing one
// client.
const parallelGoroutines = 16

// BenchmarkGetDomainParallel: GetDomain from parallelGoroutines goroutines
// (SetParallelism(16/GOMAXPROCS): 8 per P with GOMAXPROCS 2, so exactly 16
// whenever GOMAXPROCS divides 16). Besides time and allocations it reports
// "conns": the TCP connections the server saw opened during the run, which
// starts on a fresh transport with none.
func BenchmarkGetDomainParallel(b *testing.B) {
	s := newBenchServer(b)
	par := max(1, (parallelGoroutines+runtime.GOMAXPROCS(0)-1)/runtime.GOMAXPROCS(0))
	parallel := func(b *testing.B, tr *http.Transport, f op) {
		defer tr.CloseIdleConnections()
		before := s.stats(b).NewConns
		b.SetParallelism(par)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if err := f(ctx); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(s.stats(b).NewConns-before), "conns")
	}
	b.Run("ours", func(b *testing.B) {
		tr := newTransport()
		parallel(b, tr, newOurs(b, s.URL, tr).getDomain)
	})
	b.Run("mailgun-go", func(b *testing.B) {
		tr := newTransport()
		c := newMailgunGo(b, s.URL, tr)
		parallel(b, tr, func(ctx context.Context) error { return getDomainMG(ctx, c) })
	})
}

// BenchmarkClientOnly: the five operations against memoryTransport, which
// answers as the canned server does but in memory: no sockets, no server,
// no hand-offs between goroutines or processes. What is left is each
// client's own work per call (building the request, its timeout,
// decoding, metrics), without the loopback's noise. It uses no server, so
// it runs only in the child-process run of make bench.
func BenchmarkClientOnly(b *testing.B) {
	if os.Getenv(serverModeEnv) == "inprocess" {
		b.Skip("uses no server: measured once, in the child-process run")
	}
	cases := []struct {
		name string
		ours func(ours) op
		mg   func(*mailgungo.Client) op
	}{
		{"GetDomain", func(o ours) op { return o.getDomain }, mg(getDomainMG)},
		{"ListWebhooks", func(o ours) op { return o.listWebhooks }, mg(listWebhooksMG)},
		{"CreateRoute", func(o ours) op { return o.createRoute }, mg(createRouteMG)},
		{"UpdateDomain", func(o ours) op { return o.updateDomain }, mg(updateDomainMG)},
		{"ListRoutes", func(o ours) op {
			return func(ctx context.Context) error { return o.listRoutes(ctx, nil) }
		}, mg(func(ctx context.Context, c *mailgungo.Client) error { return listRoutesMG(ctx, c, nil) })},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.Run("ours", func(b *testing.B) {
				run(b, memoryTransport{}, c.ours(newOurs(b, memoryBase, memoryTransport{})))
			})
			b.Run("mailgun-go", func(b *testing.B) {
				run(b, memoryTransport{}, c.mg(newMailgunGo(b, memoryBase, memoryTransport{})))
			})
		})
	}
}
