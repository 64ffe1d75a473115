package mailgun

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// A small validating JSON scanner for the hand-written decoders of the
// hottest answers (handdecode.go: the domain, the webhooks list, pages of
// routes). encoding/json spent about 33 µs of CPU on one domain answer,
// most of a GetDomain call's own time, because it scans the value twice and
// resolves every field by reflection. The hand-written decoders read the
// answer into a pooled buffer and walk it once with a cursor that validates
// as it goes, as encoding/json's scanner would, handing each field's raw
// value to the same UnmarshalJSON methods encoding/json would call: about
// 8 µs (BenchmarkDecodeDomain). So the values, and whether an answer
// decodes at all, are those of encoding/json; FuzzDecodeDomain and
// FuzzArenaDecoders check the two against each other.

var (
	errJSONSyntax  = errors.New("invalid JSON in answer")
	errJSONTooDeep = errors.New("JSON answer nested too deeply")
	errJSONType    = errors.New("JSON value of the wrong type in answer")
)

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// valueEnd returns the index after the valid JSON value starting at b[i].
// depth is the number of containers around it.
func valueEnd(b []byte, i, depth int) (int, error) {
	if i >= len(b) {
		return 0, io.ErrUnexpectedEOF
	}
	switch c := b[i]; {
	case c == '{':
		return containerEnd(b, i, depth, '}', true)
	case c == '[':
		return containerEnd(b, i, depth, ']', false)
	case c == '"':
		return stringLitEnd(b, i)
	case c == '-' || ('0' <= c && c <= '9'):
		return numberEnd(b, i)
	case c == 't':
		return literalEnd(b, i, "true")
	case c == 'f':
		return literalEnd(b, i, "false")
	case c == 'n':
		return literalEnd(b, i, "null")
	}
	return 0, errJSONSyntax
}

// containerEnd validates an object (keyed) or an array starting at b[i].
func containerEnd(b []byte, i, depth int, closer byte, keyed bool) (int, error) {
	if depth+1 > maxJSONDepth {
		return 0, errJSONTooDeep
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == closer {
		return i + 1, nil
	}
	for {
		var err error
		if keyed {
			if i >= len(b) || b[i] != '"' {
				return 0, syntaxOrEOF(b, i)
			}
			if i, err = stringLitEnd(b, i); err != nil {
				return 0, err
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return 0, syntaxOrEOF(b, i)
			}
			i = skipSpace(b, i+1)
		}
		if i, err = valueEnd(b, i, depth+1); err != nil {
			return 0, err
		}
		i = skipSpace(b, i)
		switch {
		case i >= len(b):
			return 0, io.ErrUnexpectedEOF
		case b[i] == ',':
			i = skipSpace(b, i+1)
		case b[i] == closer:
			return i + 1, nil
		default:
			return 0, errJSONSyntax
		}
	}
}

func syntaxOrEOF(b []byte, i int) error {
	if i >= len(b) {
		return io.ErrUnexpectedEOF
	}
	return errJSONSyntax
}

// stringLitEnd validates the string literal starting at b[i] ('"'):
// no control characters, only JSON's escapes.
func stringLitEnd(b []byte, i int) (int, error) {
	j := i + 1
	for {
		for j < len(b) && strPlain[b[j]] {
			j++
		}
		if j >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		switch b[j] {
		case '"':
			return j + 1, nil
		case '\\':
			j++
			if j >= len(b) {
				return 0, io.ErrUnexpectedEOF
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 0; k < 4; k++ {
					j++
					if j >= len(b) {
						return 0, io.ErrUnexpectedEOF
					}
					if !isHex(b[j]) {
						return 0, errJSONSyntax
					}
				}
			default:
				return 0, errJSONSyntax
			}
			j++
		default: // a control character
			return 0, errJSONSyntax
		}
	}
}

// strPlain[c]: c may appear in a string literal as itself.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// numberEnd validates a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func numberEnd(b []byte, i int) (int, error) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return 0, io.ErrUnexpectedEOF
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digitsEnd(b, i)
	default:
		return 0, errJSONSyntax
	}
	if i < len(b) && b[i] == '.' {
		j := digitsEnd(b, i+1)
		if j == i+1 {
			return 0, syntaxOrEOF(b, j)
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digitsEnd(b, i)
		if j == i {
			return 0, syntaxOrEOF(b, j)
		}
		i = j
	}
	return i, nil
}

func digitsEnd(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

func literalEnd(b []byte, i int, lit string) (int, error) {
	n := min(len(lit), len(b)-i)
	if string(b[i:i+n]) != lit[:n] {
		return 0, errJSONSyntax
	}
	if n < len(lit) {
		return 0, io.ErrUnexpectedEOF
	}
	return i + n, nil
}

// cursor walks an answer in one pass, validating as it goes: a container
// the decoder knows is entered and walked member by member; every other
// value is validated whole (valueEnd) and handed over raw. Where
// encoding/json validates the whole answer first, the cursor may find a
// syntax error after it has decoded some fields; the answer fails either
// way, and its fields are not used (see handdecode.go).
type cursor struct {
	b     []byte
	i     int
	depth int // containers entered and not yet left
}

// start positions the cursor at the first value; io.EOF if there is none.
func (c *cursor) start() error {
	c.i = skipSpace(c.b, 0)
	if c.i == len(c.b) {
		return io.EOF
	}
	return nil
}

// peek is the first byte of the value at the cursor (0 at the end).
func (c *cursor) peek() byte {
	if c.i >= len(c.b) {
		return 0
	}
	return c.b[c.i]
}

// value validates the value at the cursor and returns it raw.
func (c *cursor) value() ([]byte, error) {
	end, err := valueEnd(c.b, c.i, c.depth)
	if err != nil {
		return nil, err
	}
	v := c.b[c.i:end]
	c.i = end
	return v, nil
}

// enter steps into the object or array at the cursor (peek says which).
func (c *cursor) enter() error {
	if c.depth+1 > maxJSONDepth {
		return errJSONTooDeep
	}
	c.depth++
	c.i++
	return nil
}

// member moves to the next member of the object entered last and returns
// its key, unquoted; ok is false, and the object left, at its end. The key
// aliases the answer unless it has escapes (rare: then it is decoded into a
// new buffer). first says whether no member has been read yet.
func (c *cursor) member(first bool) (key []byte, ok bool, err error) {
	if done, err := c.nextItem(first, '}'); done || err != nil {
		return nil, false, err
	}
	if c.b[c.i] != '"' {
		return nil, false, errJSONSyntax
	}
	end, err := stringLitEnd(c.b, c.i)
	if err != nil {
		return nil, false, err
	}
	raw := c.b[c.i:end]
	if k, plain := plainContent(raw); plain {
		key = k
	} else {
		key, _ = appendUnquoted(nil, raw)
	}
	c.i = skipSpace(c.b, end)
	if c.i >= len(c.b) || c.b[c.i] != ':' {
		return nil, false, syntaxOrEOF(c.b, c.i)
	}
	c.i = skipSpace(c.b, c.i+1)
	if c.i >= len(c.b) {
		return nil, false, io.ErrUnexpectedEOF
	}
	return key, true, nil
}

// element moves to the next element of the array entered last; ok is
// false, and the array left, at its end.
func (c *cursor) element(first bool) (ok bool, err error) {
	done, err := c.nextItem(first, ']')
	return !done && err == nil, err
}

// nextItem moves to the next item of the container entered last: past the
// ',' before it unless first. At the container's closer it leaves the
// container and reports done.
func (c *cursor) nextItem(first bool, closer byte) (done bool, err error) {
	c.i = skipSpace(c.b, c.i)
	if c.i >= len(c.b) {
		return false, io.ErrUnexpectedEOF
	}
	if c.b[c.i] == closer {
		c.depth--
		c.i++
		return true, nil
	}
	if first {
		return false, nil
	}
	if c.b[c.i] != ',' {
		return false, errJSONSyntax
	}
	c.i = skipSpace(c.b, c.i+1)
	switch {
	case c.i >= len(c.b):
		return false, io.ErrUnexpectedEOF
	case c.b[c.i] == closer: // [1,] or {"a": 1,}
		return false, errJSONSyntax
	}
	return false, nil
}

// matchKey reports whether a JSON key selects the field name the way
// encoding/json matches them: exactly, or else case-insensitively
// (bytes.EqualFold is encoding/json's folding rule).
func matchKey(key []byte, name string) bool {
	return string(key) == name || bytes.EqualFold(key, []byte(name))
}

// decodeAnswer reads an answer and decodes it with decode, accepting what
// json.Decoder.Decode accepts: once the answer's first value is whole, a
// read error after it (a Content-Length longer than the body) or more than
// maxAnswer bytes after it do not matter. If the answer does not decode
// and its reading failed, the read error is what happened and is
// returned. (One difference remains: Decode stops reading at the end of
// the value, this reads to the end of the body, so an answer whose body
// never ends fails at the request timeout.)
func decodeAnswer(r io.Reader, decode func(answer []byte) error) error {
	bp, readErr := readAnswer(r)
	err := decode(*bp)
	putAnswer(bp)
	if err != nil && readErr != nil {
		return readErr
	}
	return err
}

// readAnswer reads an answer into a pooled buffer (putAnswer returns it):
// to its end, or up to a read error, or to maxAnswer+1 bytes
// (errAnswerTooLarge). The buffer holds what was read in every case.
func readAnswer(r io.Reader) (*[]byte, error) {
	bp := answerBufPool.Get().(*[]byte)
	b := (*bp)[:0]
	for {
		if len(b) > maxAnswer {
			*bp = b
			return bp, errAnswerTooLarge
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):min(cap(b), maxAnswer+1)])
		b = b[:len(b)+n]
		if err != nil {
			*bp = b
			if err == io.EOF {
				return bp, nil
			}
			return bp, err
		}
	}
}

// maxPooledAnswer keeps one huge answer from pinning its buffer.
const maxPooledAnswer = 64 << 10

var answerBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func putAnswer(bp *[]byte) {
	if cap(*bp) <= maxPooledAnswer {
		*bp = (*bp)[:0]
		answerBufPool.Put(bp)
	}
}
