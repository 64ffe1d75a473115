package mailgun

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
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

// Strings of the hot answers (GetDomain, routes, webhooks) are decoded into
// one arena per answer: every string field appends its unescaped content to
// arena.buf and keeps only its offset and length, and when the answer is
// decoded the buffer becomes one string (freeze) that the fields slice.
// So an answer costs one string allocation instead of one per field.
//
// The fields keep a pointer to their arena, set before decoding. That works
// because encoding/json decodes into existing values: a struct field, and a
// slice element within the slice's capacity, keep what was set. An element
// the decoder adds beyond the capacity has no arena and decodes its strings
// the ordinary way (aString.s), so an answer of any size or shape decodes.
//
// Exactness: content is taken verbatim only for a string without escapes
// that is valid UTF-8; escapes are undone by appendUnquoted, a port of
// encoding/json's unquote; anything else (a number, an object...) goes to
// encoding/json itself, so the values and errors are encoding/json's.
type arena struct {
	bp    *[]byte // the pooled buffer buf came from
	buf   []byte
	spans []span // string lists (strList)
	str   string // buf as a string, after freeze
	err   error  // first type error; reported after the whole answer, as encoding/json does
}

type span struct{ off, n int32 }

// maxPooledArena keeps one huge answer from pinning its buffer in the pool.
const maxPooledArena = 64 << 10

var arenaBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledSpans bounds the span capacity a pooled answer keeps.
const maxPooledSpans = 1024

// emptied is the arena a pooled answer keeps on release: no buffer and no
// string (nothing of the answer stays alive), but the spans' capacity, so
// the next answer's string lists do not grow the slice again (1, 2, 4, 8
// elements: four allocations for the webhooks answer). Spans are offsets,
// not data.
func (a *arena) emptied() arena {
	if cap(a.spans) > maxPooledSpans {
		return arena{}
	}
	return arena{spans: a.spans[:0]}
}

// start readies the arena for an answer, with a pooled buffer.
func (a *arena) start() {
	a.bp = arenaBufPool.Get().(*[]byte)
	a.buf = (*a.bp)[:0]
	a.spans = a.spans[:0]
	a.str, a.err = "", nil
}

// freeze turns the buffer into the answer's one string and returns the
// buffer to the pool; it returns the first type error of the answer.
func (a *arena) freeze() error {
	a.str = string(a.buf)
	if cap(a.buf) <= maxPooledArena {
		*a.bp = a.buf[:0] // the grown buffer, in the same pooled pointer: Put allocates nothing
		arenaBufPool.Put(a.bp)
	}
	a.buf, a.bp = nil, nil
	return a.err
}

// typeError records err as encoding/json records a type mismatch: the
// decode goes on and the error is returned at the end. Without an arena the
// error is returned at once.
func (a *arena) typeError(err error) error {
	if a == nil {
		return err
	}
	if a.err == nil {
		a.err = err
	}
	return nil
}

// aString is a JSON string decoded into an arena.
type aString struct {
	ar  *arena
	off int32
	n   int32
	s   string // without arena: the value itself
}

func (s *aString) get() string {
	if s.ar == nil {
		return s.s
	}
	return s.ar.str[s.off : s.off+s.n]
}

func (s *aString) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil // like a string field: unchanged
	}
	if s.ar == nil {
		if c, ok := plainContent(data); ok {
			s.s = string(c)
			return nil
		}
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		s.s = v
		return nil
	}
	off := len(s.ar.buf)
	buf, ok := appendUnquoted(s.ar.buf, data)
	if !ok {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return s.ar.typeError(err)
		}
		buf = append(s.ar.buf[:off], v...)
	}
	s.ar.buf = buf
	s.off, s.n = int32(off), int32(len(buf)-off)
	return nil
}

// strList is a JSON array of strings ([]string) decoded into an arena:
// its elements are spans of arena.spans.
type strList struct {
	ar       *arena
	first, n int32
	set      bool     // non-nil: the answer had an array
	other    []string // decoded by encoding/json (no arena, or an odd array)
	useOther bool
}

// len is the number of strings list returns.
func (l *strList) len() int {
	if l.useOther {
		return len(l.other)
	}
	return int(l.n)
}

// list returns the strings, nil for a missing or null array, as []string
// would be.
func (l *strList) list() []string {
	if l.useOther {
		return l.other
	}
	if !l.set {
		return nil
	}
	out := make([]string, l.n)
	l.fill(out)
	return out
}

// fill writes the strings into out (len(out) == l.n), for callers that
// put several lists in one allocation. Not for useOther.
func (l *strList) fill(out []string) {
	for i, sp := range l.ar.spans[l.first : l.first+l.n] {
		out[i] = l.ar.str[sp.off : sp.off+sp.n]
	}
}

func (l *strList) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*l = strList{ar: l.ar} // like a slice: nil
		return nil
	}
	if l.ar != nil && l.parse(data) {
		return nil
	}
	var v []string
	err := json.Unmarshal(data, &v)
	if err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return err
		}
	}
	// A type error leaves what encoding/json decoded, as for a []string field.
	if data[0] == '[' {
		*l = strList{ar: l.ar, other: v, useOther: true}
	}
	if err != nil {
		return l.ar.typeError(err)
	}
	return nil
}

// parse decodes an array whose elements are all strings into the arena; it
// reports false, having changed nothing visible, for anything else. data is
// one JSON value the decoder has already checked.
func (l *strList) parse(data []byte) bool {
	a := l.ar
	buf, spans := a.buf, a.spans
	first := len(spans)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		i++
	} else {
		for {
			if i >= len(data) || data[i] != '"' {
				return false
			}
			end, err := stringLitEnd(data, i)
			if err != nil {
				return false
			}
			off := len(buf)
			var ok bool
			if buf, ok = appendUnquoted(buf, data[i:end]); !ok {
				return false
			}
			spans = append(spans, span{int32(off), int32(len(buf) - off)})
			i = skipSpace(data, end)
			if i < len(data) && data[i] == ',' {
				i = skipSpace(data, i+1)
				continue
			}
			if i < len(data) && data[i] == ']' {
				i++
				break
			}
			return false
		}
	}
	if skipSpace(data, i) != len(data) {
		return false
	}
	a.buf, a.spans = buf, spans
	*l = strList{ar: a, first: int32(first), n: int32(len(spans) - first), set: true}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// appendUnquoted appends the content of the JSON string literal s (with its
// quotes) to dst, exactly as encoding/json decodes it into a string: escapes
// undone, invalid UTF-8 and lone surrogates replaced by U+FFFD. It reports
// false if s is not a string literal.
func appendUnquoted(dst, s []byte) ([]byte, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return dst, false
	}
	if c, ok := plainContent(s); ok {
		return append(dst, c...), true // the common case
	}
	s = s[1 : len(s)-1]
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			if r >= len(s) {
				return dst, false
			}
			switch s[r] {
			default:
				return dst, false
			case '"', '\\', '/', '\'':
				dst = append(dst, s[r])
				r++
			case 'b':
				dst = append(dst, '\b')
				r++
			case 'f':
				dst = append(dst, '\f')
				r++
			case 'n':
				dst = append(dst, '\n')
				r++
			case 'r':
				dst = append(dst, '\r')
				r++
			case 't':
				dst = append(dst, '\t')
				r++
			case 'u':
				r--
				rr := getu4(s[r:])
				if rr < 0 {
					return dst, false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						dst = utf8.AppendRune(dst, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				dst = utf8.AppendRune(dst, rr)
			}
		case c == '"', c < ' ':
			return dst, false
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			dst = utf8.AppendRune(dst, rr)
		}
	}
	return dst, true
}

// plainContent returns the content of a string literal without escapes,
// control characters or non-ASCII bytes, which is the decoded string as is.
func plainContent(s []byte) ([]byte, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil, false
	}
	s = s[1 : len(s)-1]
	for _, c := range s {
		if c == '\\' || c == '"' || c < ' ' || c >= utf8.RuneSelf {
			return nil, false
		}
	}
	return s, true
}

// getu4 decodes \uXXXX from the start of s, or returns -1 (encoding/json's).
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
