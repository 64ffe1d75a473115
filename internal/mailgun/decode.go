package mailgun

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Answers are decoded with github.com/go-json-experiment/json, the
// prototype of the standard library's encoding/json/v2, into ordinary
// structs that list only the fields the operator uses. It was chosen over
// encoding/json by measurement: on the GetDomain answer it takes about
// half the time and a third of the allocations (BenchmarkDecodeDomain,
// docs/benchmarks.md).

// unmarshalOptions keep encoding/json's leniency, which the answers were
// decoded with before: member names match case-insensitively when no
// field matches exactly ({"Reason": ...} for "reason"), invalid UTF-8
// becomes U+FFFD instead of failing the answer, and of duplicate names the
// last wins. Unknown members are skipped.
var unmarshalOptions = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowInvalidUTF8(true),
	jsontext.AllowDuplicateNames(true),
)

// unmarshal decodes one whole JSON value (whitespace around it is fine,
// anything else is an error) into v. v should be zero: fields the answer
// leaves out keep what they held.
func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v, unmarshalOptions) }

// maxAnswer bounds a decoded answer. The largest real one, a page of 1000
// domains, is about 1 MiB; a broken proxy must not make the operator OOM.
const maxAnswer = 32 << 20

var errAnswerTooLarge = errors.New("answer larger than 32 MiB")

// readAnswer reads a whole answer, at most maxAnswer bytes, into a pooled
// buffer; putAnswer returns it. A read error (a body cut short of its
// Content-Length) is returned: the answer is incomplete.
func readAnswer(r io.Reader) (*answerBuf, error) {
	a := answerPool.Get().(*answerBuf)
	a.Reset()
	a.limit = io.LimitedReader{R: r, N: maxAnswer + 1}
	_, err := a.ReadFrom(&a.limit)
	a.limit.R = nil
	if err == nil && a.Len() > maxAnswer {
		err = errAnswerTooLarge
	}
	return a, err
}

// answerBuf is a pooled answer buffer with its limited reader, which would
// otherwise be an allocation per answer.
type answerBuf struct {
	bytes.Buffer
	limit io.LimitedReader
}

var answerPool = sync.Pool{New: func() any { return new(answerBuf) }}

// maxPooledAnswer keeps one huge answer (a page of 1000 domains) from
// pinning its buffer in the pool.
const maxPooledAnswer = 64 << 10

func putAnswer(a *answerBuf) {
	if a.Cap() <= maxPooledAnswer {
		answerPool.Put(a)
	}
}

// The flex types accept the shapes Mailgun (or its proxies and older API
// versions) are known or likely to vary between, so one odd field cannot
// make a whole answer undecodable and leave a controller stuck. Their
// methods take the raw value, which both encoding/json and json/v2 hand
// over without copying.

// flexBool is a JSON bool that also accepts "true"/"false"/"yes"/"no"
// strings and null (false).
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`, `"yes"`, `"True"`:
		*b = true
	case "false", `"false"`, `"no"`, `"False"`, "null", `""`:
		*b = false
	default:
		return errors.New("not a boolean: " + truncate(data))
	}
	return nil
}

// flexString is a JSON string that also accepts a number (kept as written)
// and null. DNS record priorities are strings ("10") but numbers elsewhere.
// It holds the small vocabularies (record types, validity, domain state):
// their usual values are returned as constants, not allocated per answer.
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	switch {
	case len(data) == 0 || string(data) == "null":
		*s = ""
	case data[0] == '"' && len(data) >= 2:
		if v, ok := knownValues[string(data[1:len(data)-1])]; ok {
			*s = flexString(v)
			return nil
		}
		var v string
		if err := json.Unmarshal(data, &v, unmarshalOptions); err != nil {
			return err
		}
		*s = flexString(v)
	case data[0] == '-' || (data[0] >= '0' && data[0] <= '9'):
		*s = flexString(data)
	default:
		return errors.New("not a string: " + truncate(data))
	}
	return nil
}

// knownValues are the values of those vocabularies; looking one up with
// knownValues[string(b)] does not allocate.
var knownValues = map[string]string{
	"": "", "TXT": "TXT", "MX": "MX", "CNAME": "CNAME", "valid": "valid", "invalid": "invalid",
	"unknown": "unknown", "active": "active", "unverified": "unverified", "disabled": "disabled",
	"custom": "custom", "sandbox": "sandbox", "tag": "tag", "block": "block", "delete": "delete",
	"http": "http", "https": "https", "email": "email", "10": "10",
}

// flexInt is a JSON integer that also accepts a quoted integer and null.
type flexInt int

func (n *flexInt) UnmarshalJSON(data []byte) error {
	s := string(data)
	if s == "null" {
		*n = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// 1e3 or 10.0: a float that is a whole number is still fine.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return errors.New("not an integer: " + truncate(data))
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// truncate keeps decode errors short; answers may be large.
func truncate(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}
