package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

const key = "key-cmd-test"

// start runs the command in-process on a free port and returns its base URL
// (read from the "listening on" line) and a stop function that cancels it
// and returns run's error.
func start(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, pw, io.Discard)
		pw.CloseWithError(errors.New("run returned"))
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no listening line: %v (run: %v)", err, <-done)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		cancel()
		t.Fatalf("listening line %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("run did not return after cancel")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return base, stop
}

func do(t *testing.T, method, u, body, ctype string, auth bool) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth {
		req.SetBasicAuth("api", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

const formType = "application/x-www-form-urlencoded"

// asMultipart re-encodes a urlencoded form as multipart/form-data, the only
// body a domain create reads, and returns it with its content type.
func asMultipart(t *testing.T, form string) (string, string) {
	t.Helper()
	v, err := url.ParseQuery(form)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range v {
		for _, x := range vs {
			if err := mw.WriteField(k, x); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

func TestRunArguments(t *testing.T) {
	cases := []struct {
		reason string
		args   []string
		env    map[string]string
		errHas string
		help   bool
	}{
		{reason: "a key is required", args: []string{"--addr", "127.0.0.1:0"}, errHas: "API key is required"},
		{reason: "an unknown flag is an error", args: []string{"--api-key", key, "--nope"}, errHas: "not defined"},
		{reason: "stray arguments are an error", args: []string{"--api-key", key, "extra"}, errHas: "unexpected arguments"},
		{reason: "an unknown click reading is an error", args: []string{"--api-key", key, "--click-reading", "yes"}, errHas: "--click-reading"},
		{reason: "an unknown route answer shape is an error", args: []string{"--api-key", key, "--route-update-answer", "deep"}, errHas: "--route-update-answer"},
		{reason: "a bad address is an error", args: []string{"--api-key", key, "--addr", "no-such-host.invalid:99999"}, errHas: "listen"},
		{reason: "-h is help, not a failure", args: []string{"-h"}, help: true},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			var stderr strings.Builder
			err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, io.Discard, &stderr)
			if tc.help {
				if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-state-endpoint") {
					t.Errorf("%s: err %v, usage %q", tc.reason, err, stderr.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%s: err %v, want it to mention %q", tc.reason, err, tc.errHas)
			}
		})
	}
}

func TestRunTakesKeyFromEnvironment(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0"}, func(k string) string {
			if k == apiKeyEnv {
				return key
			}
			return ""
		}, pw, io.Discard)
		pw.Close()
	}()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	base := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	if code, _ := do(t, "GET", base+"/v4/domains", "", "", true); code != 200 {
		t.Errorf("with the env key: %d", code)
	}
	if code, _ := do(t, "GET", base+"/v4/domains", "", "", false); code != 401 {
		t.Errorf("without a key: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestServeAndShutdown(t *testing.T) {
	base, stop := start(t, "--api-key", key)
	mp, mpType := asMultipart(t, "name=example.com")
	if code, body := do(t, "POST", base+"/v4/domains", mp, mpType, true); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ := do(t, "GET", base+"/_emulator/state", "", "", false); code != 404 {
		t.Errorf("the admin API must be off without --state-endpoint: %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if _, err := http.Get(base + "/v4/domains"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestShutdownReleasesDelayedCalls(t *testing.T) {
	base, stop := start(t, "--api-key", key, "--state-endpoint")
	if code, body := do(t, "POST", base+"/_emulator/faults", `{"op":"ListDomains","delay":"1h"}`, "application/json", false); code != 200 {
		t.Fatalf("fault: %d %s", code, body)
	}
	go func() {
		req, _ := http.NewRequest("GET", base+"/v4/domains", nil)
		req.SetBasicAuth("api", key)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("shutdown waited %v for a delayed call", time.Since(start))
	}
}

type stateDump struct {
	Domains []struct {
		Name, State string
		Credentials []string
	}
	Webhooks   map[string]map[string][]string
	Routes     []struct{ ID, Expression string }
	Calls      map[string]int
	Writes     int
	TotalCalls int `json:"total_calls"`
}

func getState(t *testing.T, base string) stateDump {
	t.Helper()
	code, body := do(t, "GET", base+"/_emulator/state", "", "", false)
	if code != 200 {
		t.Fatalf("state: %d %s", code, body)
	}
	var s stateDump
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAdminAPI(t *testing.T) {
	base, _ := start(t, "--api-key", key, "--state-endpoint")
	api := func(method, path, body string) (int, []byte) {
		if method == "POST" && path == "/v4/domains" {
			mp, mpType := asMultipart(t, body)
			return do(t, method, base+path, mp, mpType, true)
		}
		return do(t, method, base+path, body, formType, true)
	}

	empty := getState(t, base)
	if len(empty.Domains) != 0 || len(empty.Calls) != len(mailguntest.Ops()) || empty.TotalCalls != 0 {
		t.Fatalf("empty state %+v", empty)
	}

	api("POST", "/v4/domains", "name=a%2Fb.com&smtp_password=secret1")
	api("POST", "/v3/domains/a%2Fb.com/webhooks", "id=delivered&url=https%3A%2F%2Fh.example%2F")
	api("POST", "/v3/domains/a%2Fb.com/credentials", "login=u&password=secret1")
	api("POST", "/v3/routes", "expression=catch_all()")
	st := getState(t, base)
	if len(st.Domains) != 1 || st.Domains[0].Name != "a/b.com" || st.Domains[0].State != "unverified" ||
		len(st.Domains[0].Credentials) != 1 || st.Domains[0].Credentials[0] != "u@a/b.com" {
		t.Errorf("domains %+v", st.Domains)
	}
	if got := st.Webhooks["a/b.com"]["delivered"]; len(got) != 1 || got[0] != "https://h.example/" {
		t.Errorf("webhooks %+v", st.Webhooks)
	}
	if len(st.Routes) != 1 || len(st.Routes[0].ID) != 24 {
		t.Errorf("routes %+v", st.Routes)
	}
	if st.Calls["CreateDomain"] != 1 || st.Writes != 4 || st.TotalCalls != 4 {
		t.Errorf("calls %v writes %d total %d", st.Calls, st.Writes, st.TotalCalls)
	}
	_, raw := do(t, "GET", base+"/_emulator/state", "", "", false)
	if strings.Contains(string(raw), "secret1") {
		t.Error("the state dump shows a password")
	}

	// dns-valid (escaped name) then verify through the API.
	if code, body := do(t, "POST", base+"/_emulator/domains/a%2Fb.com/dns-valid", "", "", false); code != 200 {
		t.Fatalf("dns-valid: %d %s", code, body)
	}
	if code, body := api("PUT", "/v4/domains/a%2Fb.com/verify", ""); code != 200 || !strings.Contains(string(body), `"state":"active"`) {
		t.Errorf("verify after dns-valid: %d %s", code, body)
	}
	do(t, "POST", base+"/_emulator/domains/a%2Fb.com/dns-valid", `{"valid":false}`, "application/json", false)
	if _, body := api("PUT", "/v4/domains/a%2Fb.com/verify", ""); !strings.Contains(string(body), `"valid":"invalid"`) {
		t.Errorf("verify after dns-valid false: %s", body)
	}

	// Faults of each kind through the admin API.
	faults := []struct {
		reason string
		fault  string
		check  func(code int, body []byte, err error) bool
	}{
		{"a status fault", `{"op":"GetDomain","status":503}`, func(c int, b []byte, err error) bool { return c == 503 }},
		{"a custom body", `{"op":"GetDomain","status":400,"body":"{\"Reason\":\"x\"}"}`, func(c int, b []byte, err error) bool { return c == 400 && string(b) == `{"Reason":"x"}` }},
		{"a relative rate-limit reset", `{"op":"GetDomain","rate_limit_reset_in":"2.5s"}`, func(c int, b []byte, err error) bool { return c == 429 }},
		{"an absolute rate-limit reset", `{"op":"GetDomain","rate_limit_reset":"` + time.Now().Add(time.Minute).Format(time.RFC3339Nano) + `"}`, func(c int, b []byte, err error) bool { return c == 429 }},
		{"a dropped connection", `{"op":"GetDomain","drop_connection":true}`, func(c int, b []byte, err error) bool { return err != nil }},
		{"the next call after the drop is served", `{"op":"GetDomain","delay":"0s"}`, func(c int, b []byte, err error) bool { return c == 200 }},
		{"a delay", `{"op":"GetDomain","delay":"20ms"}`, func(c int, b []byte, err error) bool { return c == 200 }},
	}
	// No keep-alive: Go's transport silently retries a GET once when a reused
	// connection drops, which would hide the drop fault.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, f := range faults {
		if code, body := do(t, "POST", base+"/_emulator/faults", f.fault, "application/json", false); code != 200 {
			t.Fatalf("%s: inject: %d %s", f.reason, code, body)
		}
		req, _ := http.NewRequest("GET", base+"/v4/domains/"+url.PathEscape("a/b.com"), nil)
		req.SetBasicAuth("api", key)
		resp, err := fresh.Do(req)
		var code int
		var body []byte
		if err == nil {
			code = resp.StatusCode
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			body = []byte(strings.TrimSpace(string(body)))
		}
		if !f.check(code, body, err) {
			t.Errorf("%s: %d %s %v", f.reason, code, body, err)
		}
	}

	// Clearing faults and resetting calls.
	do(t, "POST", base+"/_emulator/faults", `{"op":"ListRoutes","status":500,"times":10}`, "application/json", false)
	if code, _ := do(t, "DELETE", base+"/_emulator/faults", "", "", false); code != 200 {
		t.Errorf("clear faults: %d", code)
	}
	if code, _ := api("GET", "/v3/routes", ""); code != 200 {
		t.Errorf("after clearing faults: %d", code)
	}
	if code, _ := do(t, "POST", base+"/_emulator/reset-calls", "", "", false); code != 200 {
		t.Errorf("reset-calls: %d", code)
	}
	if st := getState(t, base); st.TotalCalls != 0 || st.Writes != 0 || st.Calls["GetDomain"] != 0 {
		t.Errorf("after reset %+v", st)
	}

	// not-found-after-create.
	do(t, "POST", base+"/_emulator/not-found-after-create", `{"duration":"1m"}`, "application/json", false)
	api("POST", "/v4/domains", "name=fresh.com")
	if code, _ := api("GET", "/v4/domains/fresh.com", ""); code != 404 {
		t.Errorf("fresh domain within the window: %d", code)
	}
}

func TestAdminAPIErrors(t *testing.T) {
	base, _ := start(t, "--api-key", key, "--state-endpoint")
	cases := []struct {
		reason, method, path, body string
		status                     int
	}{
		{"an unknown op is refused", "POST", "/_emulator/faults", `{"op":"Nope","status":500}`, 400},
		{"a misspelt field is refused", "POST", "/_emulator/faults", `{"op":"GetDomain","stauts":500}`, 400},
		{"bad JSON is refused", "POST", "/_emulator/faults", `{`, 400},
		{"a bad delay is refused", "POST", "/_emulator/faults", `{"op":"GetDomain","delay":"soon"}`, 400},
		{"a bad status is refused", "POST", "/_emulator/faults", `{"op":"GetDomain","status":42}`, 400},
		{"both reset forms are refused", "POST", "/_emulator/faults", `{"op":"GetDomain","rate_limit_reset":"2030-01-01T00:00:00Z","rate_limit_reset_in":"1s"}`, 400},
		{"GET on faults is 405", "GET", "/_emulator/faults", "", 405},
		{"POST on state is 405", "POST", "/_emulator/state", "", 405},
		{"GET on reset-calls is 405", "GET", "/_emulator/reset-calls", "", 405},
		{"a bad not-found duration is refused", "POST", "/_emulator/not-found-after-create", `{"duration":"x"}`, 400},
		{"an unknown admin path is 404", "GET", "/_emulator/nothing", "", 404},
	}
	for _, tc := range cases {
		code, body := do(t, tc.method, base+tc.path, tc.body, "application/json", false)
		var m map[string]string
		if code != tc.status || json.Unmarshal(body, &m) != nil || m["message"] == "" {
			t.Errorf("%s: %d %s, want %d with a JSON message", tc.reason, code, body, tc.status)
		}
	}
}

// TestReadingFlags: the flags switch the emulator to the other reading of
// what the public sources disagree on.
func TestReadingFlags(t *testing.T) {
	base, _ := start(t, "--api-key", key, "--click-reading", "string", "--route-update-answer", "flat", "--domain-delete-delay", "1h")
	mp, mpType := asMultipart(t, "name=example.com")
	if code, body := do(t, "POST", base+"/v4/domains", mp, mpType, true); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := do(t, "PUT", base+"/v3/domains/example.com/tracking/click", "active=htmlonly", formType, true); code != 200 {
		t.Fatalf("click: %d %s", code, body)
	}
	if _, body := do(t, "GET", base+"/v3/domains/example.com/tracking", "", "", true); !strings.Contains(string(body), `"active":"htmlonly"`) {
		t.Errorf("--click-reading string: %s", body)
	}
	_, body := do(t, "POST", base+"/v3/routes", "expression=catch_all()&action=stop()", formType, true)
	var created struct{ Route struct{ ID string } }
	if err := json.Unmarshal(body, &created); err != nil || created.Route.ID == "" {
		t.Fatalf("create route: %s", body)
	}
	if _, body := do(t, "PUT", base+"/v3/routes/"+created.Route.ID, "priority=3", formType, true); !strings.Contains(string(body), `"id":"`+created.Route.ID+`"`) || strings.Contains(string(body), `"route"`) {
		t.Errorf("--route-update-answer flat: %s", body)
	}
	if code, _ := do(t, "DELETE", base+"/v3/domains/example.com", "", "", true); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := do(t, "GET", base+"/v4/domains/example.com", "", "", true); code != 200 {
		t.Errorf("--domain-delete-delay 1h: the domain is gone at once (%d)", code)
	}
}
