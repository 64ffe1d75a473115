package mailgun

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
)

// decodeJSON streams one JSON value from r into v. Unknown fields are
// skipped by encoding/json, so the wire structs list only what is used.
//
// json.Decoder has no Reset, yet a fresh one per answer costs ~10
// allocations and a 512 B..4 KiB buffer. So decoders are pooled over a
// swappable source. One goes back to the pool only when it is clean: the
// value decoded without error (errors are sticky in a Decoder), nothing but
// whitespace is buffered after it (the next answer must not inherit bytes of
// this one), and the answer was small (its buffer is as large as the answer).
func decodeJSON(r io.Reader, v any) error {
	pd := decoderPool.Get().(*pooledDecoder)
	pd.src, pd.n = r, 0
	err := pd.dec.Decode(v)
	clean := err == nil && pd.n <= maxPooledDecode && pd.onlySpaceBuffered()
	pd.src = nil
	if clean {
		decoderPool.Put(pd)
	}
	return err
}

// maxPooledDecode bounds the answers whose decoder is reused; a 1000-domain
// page would otherwise pin a megabyte buffer in the pool.
const maxPooledDecode = 32 << 10

type pooledDecoder struct {
	dec *json.Decoder
	src io.Reader
	n   int // bytes read from src
}

var decoderPool = sync.Pool{New: func() any {
	pd := &pooledDecoder{}
	pd.dec = json.NewDecoder(pd)
	return pd
}}

// maxAnswer bounds a decoded answer. The largest real one, a page of 1000
// domains, is about 1 MiB; a broken proxy must not make the operator OOM.
const maxAnswer = 32 << 20

var errAnswerTooLarge = errors.New("answer larger than 32 MiB")

func (pd *pooledDecoder) Read(p []byte) (int, error) {
	if pd.n >= maxAnswer {
		return 0, errAnswerTooLarge
	}
	n, err := pd.src.Read(p)
	pd.n += n
	return n, err
}

func (pd *pooledDecoder) onlySpaceBuffered() bool {
	br, ok := pd.dec.Buffered().(*bytes.Reader)
	if !ok {
		return false
	}
	for br.Len() > 0 {
		switch c, _ := br.ReadByte(); c {
		case ' ', '\t', '\r', '\n':
		default:
			return false
		}
	}
	return true
}

// The flex types accept the shapes Mailgun (or its proxies and older API
// versions) are known or likely to vary between, so one odd field cannot
// make a whole answer undecodable and leave a controller stuck.

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
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	switch {
	case len(data) == 0 || string(data) == "null":
		*s = ""
	case data[0] == '"':
		if bytes.IndexByte(data, '\\') < 0 && len(data) >= 2 {
			// No escapes: the decoder has validated the literal, so its
			// content is the string.
			*s = flexString(data[1 : len(data)-1])
			return nil
		}
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
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

// enumString is a JSON string from a small vocabulary (record types,
// validity, domain state, spam action, scheme). Known values are returned
// as constants, so the hot GetDomain answer does not allocate a string for
// each "TXT" or "unknown"; other values decode as usual.
type enumString string

func (s *enumString) UnmarshalJSON(data []byte) error {
	if len(data) >= 2 && data[0] == '"' {
		if v, ok := internEnum(data[1 : len(data)-1]); ok {
			*s = enumString(v)
			return nil
		}
	}
	var fs flexString
	if err := fs.UnmarshalJSON(data); err != nil {
		return err
	}
	*s = enumString(fs)
	return nil
}

// internEnum maps the raw content of a string literal to a constant. The
// switch on string(b) compiles to comparisons without allocating.
func internEnum(b []byte) (string, bool) {
	switch string(b) {
	case "":
		return "", true
	case "TXT":
		return "TXT", true
	case "MX":
		return "MX", true
	case "CNAME":
		return "CNAME", true
	case "valid":
		return "valid", true
	case "invalid":
		return "invalid", true
	case "unknown":
		return "unknown", true
	case "active":
		return "active", true
	case "unverified":
		return "unverified", true
	case "disabled":
		return "disabled", true
	case "custom":
		return "custom", true
	case "sandbox":
		return "sandbox", true
	case "tag":
		return "tag", true
	case "block":
		return "block", true
	case "delete":
		return "delete", true
	case "http":
		return "http", true
	case "https":
		return "https", true
	case "email":
		return "email", true
	case "10":
		return "10", true
	}
	return "", false
}
