package mailgun

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// TestDecoderPoolHygiene: a pooled decoder never carries bytes or errors
// from one answer into the next.
func TestDecoderPoolHygiene(t *testing.T) {
	type v struct {
		Name string `json:"name"`
	}
	steps := []struct {
		reason, in string
		wantErr    bool
		want       string
	}{
		{"clean answer", `{"name": "a"}` + "\n", false, "a"},
		{"trailing garbage: decoder must not be reused", `{"name": "b"} }{"name": "evil"}`, false, "b"},
		{"next answer unaffected by garbage", `{"name": "c"}`, false, "c"},
		{"syntax error: sticky error must not be reused", `{"name": `, true, ""},
		{"next answer unaffected by error", `{"name": "d"}`, false, "d"},
		{"trailing close brace", `{"name": "e"}}`, false, "e"},
		{"next answer after brace", `{"name": "f"}`, false, "f"},
		{"one byte at a time", `  {"name": "g"}  `, false, "g"},
	}
	for i, s := range steps {
		var got v
		var r io.Reader = strings.NewReader(s.in)
		if i == len(steps)-1 {
			r = iotest.OneByteReader(r)
		}
		err := decodeJSON(r, &got)
		if (err != nil) != s.wantErr || got.Name != s.want {
			t.Errorf("%s: got %q, %v", s.reason, got.Name, err)
		}
	}
}

// TestAnswerTooLarge: an endless answer is cut off, not buffered.
func TestAnswerTooLarge(t *testing.T) {
	r := io.MultiReader(strings.NewReader(`{"name": "`), endless{})
	var v struct{ Name string }
	if err := decodeJSON(r, &v); err != errAnswerTooLarge {
		t.Errorf("got %v", err)
	}
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
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
		{`{}`, "object", false, true, "", true, 0, true},
	}
	for _, tc := range cases {
		var b flexBool
		if err := json.Unmarshal([]byte(tc.in), &b); (err != nil) != tc.bErr || (err == nil && bool(b) != tc.b) {
			t.Errorf("flexBool %s (%s): %v %v", tc.in, tc.reason, b, err)
		}
		var s flexString
		if err := json.Unmarshal([]byte(tc.in), &s); (err != nil) != tc.sErr || (err == nil && string(s) != tc.s) {
			t.Errorf("flexString %s (%s): %q %v", tc.in, tc.reason, s, err)
		}
		var n flexInt
		if err := json.Unmarshal([]byte(tc.in), &n); (err != nil) != tc.nErr || (err == nil && int(n) != tc.n) {
			t.Errorf("flexInt %s (%s): %d %v", tc.in, tc.reason, n, err)
		}
	}
	var e enumString
	if err := json.Unmarshal([]byte(`"TXT"`), &e); err != nil || e != "TXT" {
		t.Errorf("enumString: %q %v", e, err)
	}
	if err := json.Unmarshal([]byte(`"TX\u0054"`), &e); err != nil || e != "TXT" {
		t.Errorf("enumString escaped: %q %v", e, err)
	}
	if err := json.Unmarshal([]byte(`"something-else"`), &e); err != nil || e != "something-else" {
		t.Errorf("enumString other: %q %v", e, err)
	}
	cname, unknown := []byte(`"CNAME"`), []byte(`"unknown"`)
	var r dnsRecordJSON
	if allocs := testing.AllocsPerRun(100, func() {
		_ = r.RecordType.UnmarshalJSON(cname)
		_ = r.Valid.UnmarshalJSON(unknown)
	}); allocs != 0 {
		t.Errorf("known enum values allocate: %v allocs", allocs)
	}
}

// TestReadAnswer: the hand-written decoders' reader takes a whole answer,
// however the body delivers it, and cuts off an endless one just past the
// bound.
func TestReadAnswer(t *testing.T) {
	bp, err := readAnswer(iotest.OneByteReader(strings.NewReader(mailguntest.FixtureGetDomain)))
	if err != nil || string(*bp) != mailguntest.FixtureGetDomain {
		t.Fatalf("one byte at a time: %v", err)
	}
	putAnswer(bp)
	bp, err = readAnswer(iotest.TimeoutReader(strings.NewReader(mailguntest.FixtureGetDomain)))
	if err == nil || string(*bp) != mailguntest.FixtureGetDomain {
		t.Errorf("a read error: %v, with %d bytes read", err, len(*bp))
	}
	bp, err = readAnswer(io.MultiReader(strings.NewReader(`{"domain": {"name": "`), endless{}))
	if err != errAnswerTooLarge || len(*bp) != maxAnswer+1 {
		t.Errorf("endless answer: %v after %d bytes, want %v after %d", err, len(*bp), errAnswerTooLarge, maxAnswer+1)
	}
}

// TestDecodeAnswerAsDecoder: what follows a whole answer does not matter,
// as for json.Decoder.Decode; a broken read of an incomplete one is
// reported as the read error.
func TestDecodeAnswerAsDecoder(t *testing.T) {
	whole := `{"domain": {"name": "example.com"}}`
	cases := []struct {
		reason string
		body   io.Reader
		want   error // nil, or the error expected
	}{
		{"read error after the value", iotest.DataErrReader(io.MultiReader(strings.NewReader(whole), iotest.ErrReader(io.ErrUnexpectedEOF))), nil},
		{"more than maxAnswer after the value", io.MultiReader(strings.NewReader(whole+" "), endless{}), nil},
		{"read error inside the value", io.MultiReader(strings.NewReader(`{"domain": {"na`), iotest.ErrReader(io.ErrUnexpectedEOF)), io.ErrUnexpectedEOF},
	}
	for _, tc := range cases {
		d := newDomainInfoJSON()
		err := d.decode(tc.body)
		if err != tc.want {
			t.Errorf("%s: %v, want %v", tc.reason, err, tc.want)
		}
		if err == nil && d.info().Domain.Name != "example.com" {
			t.Errorf("%s: decoded %+v", tc.reason, d.info().Domain)
		}
		d.release()
	}
}
