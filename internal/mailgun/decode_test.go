package mailgun

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// TestReadAnswer: an answer is read whole however the body delivers it; a
// read error (a body cut short) is returned; an endless answer is cut off
// just past the bound, not buffered.
func TestReadAnswer(t *testing.T) {
	buf, err := readAnswer(iotest.OneByteReader(strings.NewReader(mailguntest.FixtureGetDomain)))
	if err != nil || buf.String() != mailguntest.FixtureGetDomain {
		t.Fatalf("one byte at a time: %v", err)
	}
	putAnswer(buf)
	buf, err = readAnswer(io.MultiReader(strings.NewReader(mailguntest.FixtureGetDomain), iotest.ErrReader(io.ErrUnexpectedEOF)))
	if err != io.ErrUnexpectedEOF {
		t.Errorf("a read error after the value: %v, want %v", err, io.ErrUnexpectedEOF)
	}
	putAnswer(buf)
	buf, err = readAnswer(io.MultiReader(strings.NewReader(`{"domain": {"name": "`), endless{}))
	if err != errAnswerTooLarge || buf.Len() != maxAnswer+1 {
		t.Errorf("endless answer: %v after %d bytes, want %v after %d", err, buf.Len(), errAnswerTooLarge, maxAnswer+1)
	}
	putAnswer(buf) // too large for the pool: dropped
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestUnmarshal: the leniency of unmarshalOptions, and what fails.
func TestUnmarshal(t *testing.T) {
	type v struct {
		Name  string `json:"name"`
		Other string `json:"other_name"`
	}
	cases := []struct {
		in, reason string
		want       v
		wantErr    bool
	}{
		{`{"name": "a"}` + "\n", "whitespace after the value", v{Name: "a"}, false},
		{`{"NAME": "a", "Other_Name": "b"}`, "names match case-insensitively", v{Name: "a", Other: "b"}, false},
		{`{"Name": "x", "name": "a"}`, "an exact match wins over a folded one", v{Name: "a"}, false},
		{`{"name": "x", "name": "a"}`, "duplicate names: the last wins", v{Name: "a"}, false},
		{"{\"name\": \"a\xffb\"}", "invalid UTF-8 becomes U+FFFD", v{Name: "a\uFFFDb"}, false},
		{`{"name": "a", "extra": [1, {"b": null}]}`, "unknown members are skipped", v{Name: "a"}, false},
		{`{"name": "a"} {"name": "b"}`, "a second value is an error", v{}, true},
		{`{"name": "a"}}`, "trailing garbage is an error", v{}, true},
		{`{"name": "a", "other_na`, "a cut-off answer is an error", v{}, true},
		{``, "an empty answer is an error", v{}, true},
		{`{"name": 1}`, "a value of the wrong type is an error", v{}, true},
	}
	for _, tc := range cases {
		var got v
		err := unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
			t.Errorf("%s: %q gave %+v, %v", tc.reason, tc.in, got, err)
		}
	}
}

func TestFlexTypes(t *testing.T) {
	cases := []struct {
		in, reason string
		b          bool
		bErr       bool
		s          string
		sErr       bool
		n          int
		nErr       bool
	}{
		{`true`, "JSON literal", true, false, "", true, 0, true},
		{`"yes"`, "Mailgun write form", true, false, "yes", false, 0, true},
		{`"no"`, "Mailgun write form", false, false, "no", false, 0, true},
		{`null`, "null is zero", false, false, "", false, 0, false},
		{`"10"`, "quoted number", false, true, "10", false, 10, false},
		{`10`, "number", false, true, "10", false, 10, false},
		{`1e3`, "float that is whole", false, true, "1e3", false, 1000, false},
		{`1.5`, "fraction is not an int", false, true, "1.5", false, 0, true},
		{`"a\"b"`, "escaped string", false, true, `a"b`, false, 0, true},
		{`"TX\u0054"`, "escaped known value", false, true, "TXT", false, 0, true},
		{`{}`, "object", false, true, "", true, 0, true},
	}
	for _, tc := range cases {
		var b flexBool
		if err := unmarshal([]byte(tc.in), &b); (err != nil) != tc.bErr || (err == nil && bool(b) != tc.b) {
			t.Errorf("flexBool %s (%s): %v %v", tc.in, tc.reason, b, err)
		}
		var s flexString
		if err := unmarshal([]byte(tc.in), &s); (err != nil) != tc.sErr || (err == nil && string(s) != tc.s) {
			t.Errorf("flexString %s (%s): %q %v", tc.in, tc.reason, s, err)
		}
		var n flexInt
		if err := unmarshal([]byte(tc.in), &n); (err != nil) != tc.nErr || (err == nil && int(n) != tc.n) {
			t.Errorf("flexInt %s (%s): %d %v", tc.in, tc.reason, n, err)
		}
	}
	cname, unknown := []byte(`"CNAME"`), []byte(`"unknown"`)
	var r dnsRecordJSON
	if allocs := testing.AllocsPerRun(100, func() {
		_ = r.RecordType.UnmarshalJSON(cname)
		_ = r.Valid.UnmarshalJSON(unknown)
	}); allocs != 0 {
		t.Errorf("known values allocate: %v allocs", allocs)
	}
}
