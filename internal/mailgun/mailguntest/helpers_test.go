package mailguntest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

const testKey = "key-0123456789"

// fixedNow is the emulator clock in tests, so created_at is predictable.
var fixedNow = time.Date(2024, 3, 5, 7, 8, 9, 0, time.UTC)

const fixedNowText = "Tue, 05 Mar 2024 07:08:09 GMT"

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(testKey)
	s.now = func() time.Time { return fixedNow }
	t.Cleanup(s.Close)
	return s
}

// call is one raw HTTP request to the emulator.
type call struct {
	method    string
	path      string     // escaped path plus optional query
	form      url.Values // body fields; nil means no body
	multipart bool       // send form as multipart/form-data instead of urlencoded
	// urlencoded forces a urlencoded body where multipart would be sent:
	// domain create and update are sent multipart unless this is set.
	urlencoded bool
	key        string // API key; "" means testKey, noAuth means none
	user       string // basic auth user; "" means "api"
}

const noAuth = "\x00none"

type result struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, s *Server, c call) result {
	t.Helper()
	var body io.Reader
	ctype := ""
	if c.form != nil {
		if (c.multipart || readsMultipartOnly(c)) && !c.urlencoded {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, vs := range c.form {
				for _, v := range vs {
					if err := mw.WriteField(k, v); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := mw.Close(); err != nil {
				t.Fatal(err)
			}
			body, ctype = &buf, mw.FormDataContentType()
		} else {
			body, ctype = strings.NewReader(c.form.Encode()), "application/x-www-form-urlencoded"
		}
	}
	req, err := http.NewRequest(c.method, s.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.key != noAuth {
		key, user := c.key, c.user
		if key == "" {
			key = testKey
		}
		if user == "" {
			user = "api"
		}
		req.SetBasicAuth(user, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// readsMultipartOnly reports whether c is a domain create or update, the
// endpoints that read only multipart bodies.
func readsMultipartOnly(c call) bool {
	p, _, _ := strings.Cut(c.path, "?")
	switch c.method {
	case http.MethodPost:
		return p == "/v4/domains"
	case http.MethodPut:
		rest, ok := strings.CutPrefix(p, "/v4/domains/")
		return ok && !strings.Contains(rest, "/")
	}
	return false
}

var (
	idRE   = regexp.MustCompile(`^[0-9a-f]{24}$`)
	timeRE = regexp.MustCompile(`^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [A-Z]{3}$`)
)

// normalize replaces values that differ per run (server-made ids, generated
// passwords, DKIM keys) with placeholders after checking their format, so
// whole answers can be compared exactly.
func normalize(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch k {
			case "id":
				if s, ok := val.(string); ok && idRE.MatchString(s) {
					x[k] = "<id>"
					continue
				}
				t.Errorf("id %v is not 24 lowercase hex characters", val)
			case "created_at":
				if s, ok := val.(string); ok && timeRE.MatchString(s) {
					if _, err := time.Parse("Mon, 02 Jan 2006 15:04:05 MST", s); err == nil {
						continue
					}
				}
				t.Errorf("created_at %v is not RFC 2822 style", val)
			case "value":
				if s, ok := val.(string); ok && strings.HasPrefix(s, "k=rsa; p=") {
					x[k] = "<dkim>"
					continue
				}
			}
			x[k] = normalize(t, val)
		}
	case []any:
		for i := range x {
			x[i] = normalize(t, x[i])
		}
	}
	return v
}

// checkJSON compares an answer with the expected JSON exactly (after
// normalize), so missing, extra and mistyped fields all fail.
func checkJSON(t *testing.T, reason string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: answer is not JSON: %v: %s", reason, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation: %v", reason, err)
	}
	g = normalize(t, g)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Errorf("%s:\n got %s\nwant %s", reason, gb, wb)
	}
}

// checkError asserts status and a {"message": ...} body containing msg.
func checkError(t *testing.T, reason string, r result, status int, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", reason, r.status, status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Errorf("%s: error body is not JSON: %s", reason, r.body)
		return
	}
	got, ok := m["message"].(string)
	if !ok || len(m) != 1 {
		t.Errorf("%s: error body %s is not {\"message\": ...}", reason, r.body)
	}
	if !strings.Contains(got, msg) {
		t.Errorf("%s: message %q does not contain %q", reason, got, msg)
	}
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// opCase is the common shape of the per-endpoint table tests.
type opCase struct {
	reason string
	setup  func(s *Server)
	call   call
	status int
	body   string // exact JSON (normalized) for success answers
	errMsg string // substring of the message for error answers
	check  func(t *testing.T, s *Server)
}

func runCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			s := newTestServer(t)
			if tc.setup != nil {
				tc.setup(s)
			}
			r := send(t, s, tc.call)
			switch {
			case tc.errMsg != "":
				checkError(t, tc.reason, r, tc.status, tc.errMsg)
			default:
				if r.status != tc.status {
					t.Fatalf("%s: status %d, want %d: %s", tc.reason, r.status, tc.status, r.body)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s: Content-Type %q", tc.reason, ct)
				}
				if tc.body != "" {
					checkJSON(t, tc.reason, r.body, tc.body)
				}
			}
			if tc.check != nil {
				tc.check(t, s)
			}
		})
	}
}
