package mailgun

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"reflect"
	"testing"
)

func TestAppendQueryEscape(t *testing.T) {
	cases := []struct{ in, reason string }{
		{"plain", "nothing to escape"},
		{"a b", "space is +"},
		{"a+b&c=d", "form delimiters"},
		{`forward("https://x.example/y?z=1")`, "route action"},
		{"%unsubscribe_url%", "percent"},
		{"\x00\n\xff", "control and high bytes"},
		{"pässwörd", "UTF-8"},
	}
	for _, tc := range cases {
		if got, want := string(appendQueryEscape(nil, tc.in)), url.QueryEscape(tc.in); got != want {
			t.Errorf("%q (%s): %q, want %q", tc.in, tc.reason, got, want)
		}
	}
}

// TestFormRepeatedKeys: repeated keys stay repeated and parse back.
func TestFormRepeatedKeys(t *testing.T) {
	f := newForm()
	defer f.release()
	f.add("id", "delivered")
	f.add("url", "https://a.example/x?y=1,2")
	f.add("url", "https://b.example/")
	f.addBool("b", true)
	f.addYesNo("active", false)
	f.addInt("priority", -3)
	v, err := url.ParseQuery(string(f.b))
	if err != nil {
		t.Fatal(err)
	}
	if got := v["url"]; len(got) != 2 || got[0] != "https://a.example/x?y=1,2" || got[1] != "https://b.example/" {
		t.Errorf("url values %q: must be sent twice, never comma-joined", got)
	}
	if v.Get("b") != "true" || v.Get("active") != "no" || v.Get("priority") != "-3" || v.Get("id") != "delivered" {
		t.Errorf("parsed %v", v)
	}
}

// TestFormBodyLifetime: the bodies an attempt or GetBody hands to
// net/http read the whole form even after the call has released it (the
// transport may still be writing), and the released build buffer, which
// the pool reuses, no longer holds the password.
func TestFormBodyLifetime(t *testing.T) {
	f := newForm()
	f.add("password", "hunter22")
	f.seal(encURL)
	var r bytes.Reader
	b1 := f.bodyInto(&r)
	b2, _ := f.getBody()
	getBody := f.getBody
	build := f.b
	f.release()   // the call is over
	f = newForm() // the pool may hand the same form to the next call
	f.add("password", "someone-else")
	f.seal(encURL)
	defer f.release()
	b3, _ := getBody() // a late GetBody gets the first call's body, never the next one's
	for i, b := range []io.ReadCloser{b1, b2, b3} {
		if got, _ := io.ReadAll(b); string(got) != "password=hunter22" {
			t.Errorf("body %d read %q after release", i+1, got)
		}
		_ = b.Close()
	}
	if bytes.Contains(build[:cap(build)], []byte("hunter22")) {
		t.Fatal("released build buffer still holds the password")
	}
}

// TestMultipartRoundTrip: the hand-written multipart body reads back with
// mime/multipart as exactly the fields added, in order, repeated keys and
// awkward bytes included.
func TestMultipartRoundTrip(t *testing.T) {
	cases := [][][2]string{
		{{"name", "example.com"}},
		{{"spam_action", "block"}, {"wildcard", "true"}, {"smtp_password", `p@ss "w0rd"&x=1+2%3`}},
		{{"action", "forward(\"https://a\")"}, {"action", "stop()"}},
		{{`we"ird\key`, "line1\r\nline2"}, {"empty", ""}, {"utf8", "héllo ✓"}},
		{{"binaryish", "\x00\x01\xff--\r\n--"}},
	}
	for i, pairs := range cases {
		f := newForm()
		for _, p := range pairs {
			f.add(p[0], p[1])
		}
		body, ctype := f.multipart()
		f.release()
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil || mt != "multipart/form-data" || len(params["boundary"]) != 60 {
			t.Fatalf("case %d: content type %q", i, ctype)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		var got [][2]string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("case %d: %v\n%q", i, err, body)
			}
			v, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, [2]string{p.FormName(), string(v)})
		}
		if !reflect.DeepEqual(got, pairs) {
			t.Errorf("case %d: read back %q, want %q", i, got, pairs)
		}
	}
}
