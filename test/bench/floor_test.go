package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkFloor measures what every figure contains whatever the client:
// net/http's transport and the loopback connection (and the canned server,
// when BENCH_SERVER=inprocess puts it in this process). Each sub-benchmark sends the same requests as the
// operation of the same name (method, path, query, headers, form body) with
// requests built once and reused, reads each answer to its end and decodes
// nothing. A client's own cost is roughly its figure minus this floor.
func BenchmarkFloor(b *testing.B) {
	s := newBenchServer(b)
	for _, c := range floorCases(b, s.URL) {
		b.Run(c.name, func(b *testing.B) {
			tr := newTransport()
			defer tr.CloseIdleConnections()
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range c.reqs {
					if err := r.do(tr); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

type floorCase struct {
	name string
	reqs []*floorRequest
}

// floorCases are the requests of each operation, as ours sends them
// (TestFloorSameRequests checks that).
func floorCases(tb testing.TB, base string) []floorCase {
	get := func(path string) *floorRequest { return newFloorRequest(tb, base, http.MethodGet, path, "") }

	routeForm := "priority=" + strconv.Itoa(routePriority) +
		"&description=owner%3D2f0c1c3e-7b1a-4d8e-9f00-5a6b7c8d9e0f" +
		"&expression=match_recipient%28%22.%2A%40example.com%22%29" +
		"&action=forward%28%22https%3A%2F%2Fin.example.com%2Fmail%22%29" +
		"&action=stop%28%29"
	return []floorCase{
		{"GetDomain", []*floorRequest{get("/v4/domains/" + benchDomain)}},
		{"ListWebhooks", []*floorRequest{get("/v3/domains/" + benchDomain + "/webhooks")}},
		{"CreateRoute", []*floorRequest{newFloorRequest(tb, base, http.MethodPost, "/v3/routes", routeForm)}},
		{"UpdateDomain", []*floorRequest{newFloorRequest(tb, base, http.MethodPut, "/v4/domains/"+benchDomain,
			"spam_action=tag&web_scheme=https&wildcard=true")}},
		{"ListRoutes", func() []*floorRequest {
			out := make([]*floorRequest, routesPages)
			for i := range out {
				q := "?limit=" + strconv.Itoa(routesPerPage)
				if i > 0 {
					q = "?skip=" + strconv.Itoa(i*routesPerPage) + "&limit=" + strconv.Itoa(routesPerPage)
				}
				out[i] = get("/v3/routes" + q)
			}
			return out
		}()},
	}
}

// floorRequest is a request reused for every round trip; its body is
// rewound in place. Like ours, the body is an io.NopCloser over a
// *bytes.Reader, which net/http sends in the same write as the headers.
type floorRequest struct {
	req  *http.Request
	form []byte
	body bytes.Reader
}

func newFloorRequest(tb testing.TB, base, method, path, form string) *floorRequest {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header = http.Header{
		"Authorization": {wantAuth},
		"Accept":        {"application/json"},
		"User-Agent":    {"mailgun-operator"},
	}
	f := &floorRequest{req: req, form: []byte(form)}
	if form != "" {
		req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
		req.ContentLength = int64(len(form))
		req.Body = io.NopCloser(&f.body)
	}
	return f
}

func (f *floorRequest) do(rt http.RoundTripper) error {
	if len(f.form) > 0 {
		f.body.Reset(f.form)
	}
	resp, err := rt.RoundTrip(f.req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errStatus(resp.StatusCode)
	}
	return err
}

type errStatus int

func (e errStatus) Error() string { return "status " + strconv.Itoa(int(e)) }
