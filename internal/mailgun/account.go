package mailgun

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Region is a Mailgun region. A domain lives in exactly one of them.
type Region string

// The regions Mailgun offers.
const (
	RegionUS Region = "us"
	RegionEU Region = "eu"
)

// BaseURLFor returns the API base URL of a region (no trailing slash). An
// unknown region gets the US URL, which is Mailgun's own default.
func BaseURLFor(r Region) string {
	if r == RegionEU {
		return "https://api.eu.mailgun.net"
	}
	return "https://api.mailgun.net"
}

// Account is what a call needs to reach one Mailgun account: where, and the
// Authorization header. It is a small comparable value so that controllers
// can keep it in a cache keyed by the Secret's resource version and compare
// it cheaply; the Client keeps everything heavier (limiter, header maps) per
// key id. The zero value is invalid.
//
// The key itself is not kept; only the precomputed Basic header is, and the
// String, GoString, Format and MarshalLog methods never print it.
type Account struct {
	base   string // e.g. "https://api.mailgun.net", no trailing slash
	scheme string // substrings of base: no extra memory
	host   string
	prefix string // escaped path prefix of base ("" for Mailgun itself)
	auth   string // "Basic base64(api:key)"
	keyID  string // hex of the first 8 bytes of sha256(key): limiter key, safe to print
}

// NewAccount checks baseURL and precomputes the Authorization header, so no
// call ever base64-encodes the key again. baseURL is scheme://host[:port][/prefix]
// without query, fragment or user info (user info would put a secret in a URL).
func NewAccount(baseURL, apiKey string) (Account, error) {
	if apiKey == "" {
		return Account{}, errors.New("cannot create Mailgun account: empty API key")
	}
	if !validHeaderValue(apiKey) {
		// A header value with a line break is rejected by net/http on every
		// call; fail once, here, without printing the key.
		return Account{}, errors.New("cannot create Mailgun account: API key contains control characters")
	}
	base := strings.TrimRight(baseURL, "/")
	u, err := url.Parse(base)
	if err != nil {
		// url.Parse's error quotes the input, which may carry user info.
		return Account{}, errors.New("cannot create Mailgun account: base URL is not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return Account{}, fmt.Errorf("cannot create Mailgun account: base URL scheme %q is not http or https", u.Scheme)
	case u.Host == "":
		return Account{}, errors.New("cannot create Mailgun account: base URL has no host")
	case u.User != nil:
		return Account{}, errors.New("cannot create Mailgun account: base URL must not contain user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
		return Account{}, errors.New("cannot create Mailgun account: base URL must not contain a query or fragment")
	}
	sum := sha256.Sum256([]byte(apiKey))
	a := Account{
		base:  base,
		auth:  "Basic " + base64.StdEncoding.EncodeToString([]byte("api:"+apiKey)),
		keyID: hex.EncodeToString(sum[:8]),
	}
	// Keep scheme, host and prefix as substrings of base: the Account stays
	// one allocation however it is copied.
	a.scheme = base[:len(u.Scheme)]
	rest := base[len(u.Scheme)+len("://"):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		a.host, a.prefix = rest[:i], rest[i:]
	} else {
		a.host = rest
	}
	return a, nil
}

// BaseURL returns the base URL the account talks to.
func (a Account) BaseURL() string { return a.base }

// KeyID returns a short, non-reversible id of the API key (hex of the first
// 8 bytes of its SHA-256). It is what the Client keys its rate limiter by and
// is safe to log, for example to tell which key a Secret holds now.
func (a Account) KeyID() string { return a.keyID }

// IsZero reports whether a is the (invalid) zero Account.
func (a Account) IsZero() bool { return a.auth == "" }

// String prints the base URL and key id, never the key.
func (a Account) String() string {
	if a.IsZero() {
		return "mailgun.Account{}"
	}
	return "mailgun.Account{" + a.base + " key:" + a.keyID + "}"
}

// GoString makes %#v as safe as %v.
func (a Account) GoString() string { return a.String() }

// Format handles every verb (%v, %+v, %#v, %s, %q, %x...), so no verb can
// reach the unexported fields through reflection.
func (a Account) Format(f fmt.State, verb rune) {
	s := a.String()
	if verb == 'q' {
		s = fmt.Sprintf("%q", s)
	}
	_, _ = f.Write([]byte(s))
}

// MarshalLog implements logr.Marshaler so structured loggers print the safe
// form too.
func (a Account) MarshalLog() any { return a.String() }

// MarshalText keeps encoding/json, YAML and slog text handlers on the safe
// form as well.
func (a Account) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// validHeaderValue mirrors net/http's rule for header values (no control
// characters but tab), so a bad key fails here once and not on every call.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
