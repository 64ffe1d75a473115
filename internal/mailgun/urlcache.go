package mailgun

import (
	"hash/maphash"
	"net/url"
	"sync/atomic"
)

// urlCache keeps the request URLs of recent calls, so a call to a path the
// client used recently (the same domain's GetDomain, ListWebhooks or
// UpdateDomain on every reconcile) allocates neither a url.URL nor its path
// string.
//
// Sharing one *url.URL between requests, concurrent ones included, is safe
// because nothing writes to it: the cache only stores URLs it has finished
// building, net/http's client side only reads Request.URL, and the
// http.RoundTripper contract forbids wrappers to modify the request. It is
// direct-mapped: a slot holds the last URL whose key hashed to it, so the
// cache is bounded (urlCacheSlots URLs) and needs no lock; a miss, or a
// collision, costs what building the URL cost before.
type urlCache struct {
	seed  maphash.Seed
	slots [urlCacheSlots]atomic.Pointer[url.URL]
}

const urlCacheSlots = 256 // a power of two

func newURLCache() *urlCache { return &urlCache{seed: maphash.MakeSeed()} }

// get returns the URL scheme://host + opaque + "?" + query, where b holds
// opaque followed by query and pathLen is the length of opaque.
func (c *urlCache) get(scheme, host string, b []byte, pathLen int) *url.URL {
	h := maphash.Bytes(c.seed, b) ^ maphash.String(c.seed, host)
	slot := &c.slots[h&(urlCacheSlots-1)]
	opaque, query := b[:pathLen], b[pathLen:]
	// The string(...) conversions in comparisons do not allocate.
	if u := slot.Load(); u != nil && u.Opaque == string(opaque) && u.RawQuery == string(query) &&
		u.Host == host && u.Scheme == scheme {
		return u
	}
	// Opaque holds the escaped path verbatim, so RequestURI sends it as is
	// (with Path/RawPath, net/url would unescape and re-validate it).
	s := string(b)
	u := &url.URL{Scheme: scheme, Host: host, Opaque: s[:pathLen], RawQuery: s[pathLen:]}
	slot.Store(u)
	return u
}
