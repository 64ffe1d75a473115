package mailgun

import (
	"io"
	"net/url"
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

// TestFormBodyLifetime: the buffer goes back to the pool (wiped) only when
// the caller and every body handed out have released it.
func TestFormBodyLifetime(t *testing.T) {
	f := newForm()
	f.add("password", "hunter22")
	b1, _ := f.newBody()
	b2, _ := f.getBody()
	f.release() // the call is done; bodies still hold the buffer
	if got, _ := io.ReadAll(b1); string(got) != "password=hunter22" {
		t.Errorf("body 1 read %q", got)
	}
	_ = b1.Close()
	_ = b1.Close() // a second Close must not release twice
	if f.refs.Load() != 1 {
		t.Fatalf("refs = %d after one body closed twice, want 1", f.refs.Load())
	}
	if got, _ := io.ReadAll(b2); string(got) != "password=hunter22" {
		t.Errorf("body 2 read %q", got)
	}
	_ = b2.Close()
	if f.refs.Load() != 0 {
		t.Errorf("refs = %d, want 0", f.refs.Load())
	}
	for _, c := range f.b {
		if c != 0 {
			t.Fatal("released form buffer still holds the password")
		}
	}
	if n, err := b2.Read(make([]byte, 8)); n != 0 || err == nil {
		t.Errorf("read after close: %d, %v", n, err)
	}
}
