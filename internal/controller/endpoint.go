package controller

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Where the operator may call. A MailgunAccount's apiBaseURL is written by
// whoever may create MailgunAccounts, who is not necessarily who runs the
// operator: without a check, it could make the operator's pod call any
// internal service with the account's key (SSRF), or send the key in clear.
// So the manager only calls https URLs on the hosts it is told to allow.

// The manager flags that widen the policy; messages name them so that the
// user knows what would allow a refused URL.
const (
	FlagAllowedHosts      = "--mailgun-allowed-hosts"
	FlagAllowInsecureHTTP = "--mailgun-allow-insecure-http"
)

// DefaultAllowedHosts are Mailgun's US and EU API hosts, the hosts of
// mailgun.BaseURLFor.
var DefaultAllowedHosts = []string{"api.mailgun.net", "api.eu.mailgun.net"}

// HostPolicy says which API base URLs the operator calls.
type HostPolicy struct {
	// AllowedHosts are "host" (any port) or "host:port" entries; IPv6
	// addresses in brackets when they have a port ("[::1]:8080"). Empty
	// means DefaultAllowedHosts.
	AllowedHosts []string
	// AllowInsecureHTTP permits http:// (emulators, local proxies).
	AllowInsecureHTTP bool
}

// allowedHost is one parsed entry of AllowedHosts; port "" means any port.
type allowedHost struct{ host, port string }

// ParseAllowedHosts parses and checks the entries of --mailgun-allowed-hosts.
func ParseAllowedHosts(entries []string) error {
	var errs []error
	for _, e := range entries {
		if _, err := parseAllowedHost(e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func parseAllowedHost(entry string) (allowedHost, error) {
	e := strings.TrimSpace(entry)
	var h allowedHost
	switch {
	case e == "":
		return h, errors.New("empty host")
	case strings.HasSuffix(e, ":"):
		return h, fmt.Errorf("allowed host %q: empty port", entry)
	case strings.HasPrefix(e, "["):
		if strings.HasSuffix(e, "]") { // "[::1]": any port
			h.host = e[1 : len(e)-1]
			break
		}
		host, port, err := net.SplitHostPort(e)
		if err != nil {
			return h, fmt.Errorf("allowed host %q: %w", entry, err)
		}
		h.host, h.port = host, port
	case strings.Count(e, ":") > 1: // a bare IPv6 address: any port
		h.host = e
	case strings.Contains(e, ":"):
		host, port, err := net.SplitHostPort(e)
		if err != nil {
			return h, fmt.Errorf("allowed host %q: %w", entry, err)
		}
		h.host, h.port = host, port
	default:
		h.host = e
	}
	if strings.ContainsAny(h.host, "/@?#[] ") || h.host == "" {
		return h, fmt.Errorf("allowed host %q is not a host name or IP address", entry)
	}
	if h.port != "" {
		if n, err := strconv.Atoi(h.port); err != nil || n < 1 || n > 65535 {
			return h, fmt.Errorf("allowed host %q: port %q is not a number from 1 to 65535", entry, h.port)
		}
	}
	h.host = canonicalHost(h.host)
	return h, nil
}

// canonicalHost compares host names as DNS does: case-insensitively and with
// or without the root's trailing dot. IP addresses compare by value, so that
// "::1" and "0:0::1" are the same.
func canonicalHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

// Check says whether the operator may call baseURL, and if not, why and which
// flag would allow it. It reads only the URL: nothing is sent anywhere.
func (p HostPolicy) Check(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil {
		// url.Parse's error quotes the input, which may carry user info.
		return errors.New("apiBaseURL is not a URL")
	}
	if u.User != nil {
		// "https://api.mailgun.net@evil.example" is a call to evil.example.
		return errors.New("apiBaseURL must not contain user info (user@ or user:password@ before the host)")
	}
	scheme := strings.ToLower(u.Scheme)
	defaultPort := ""
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		if !p.AllowInsecureHTTP {
			return fmt.Errorf("apiBaseURL %s is http://: the API key would travel in clear; use https://, "+
				"or start the manager with %s (for an emulator or a local proxy)", u.Redacted(), FlagAllowInsecureHTTP)
		}
		defaultPort = "80"
	default:
		return fmt.Errorf("apiBaseURL %s: scheme %q is not https", u.Redacted(), u.Scheme)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return fmt.Errorf("apiBaseURL %s has no host", u.Redacted())
	}
	if port == "" {
		port = defaultPort
	}
	host = canonicalHost(host)
	allowed := p.AllowedHosts
	if len(allowed) == 0 {
		allowed = DefaultAllowedHosts
	}
	for _, entry := range allowed {
		a, err := parseAllowedHost(entry)
		if err != nil {
			continue // refused at startup by the flag check
		}
		if a.host == host && (a.port == "" || a.port == port) {
			return nil
		}
	}
	return fmt.Errorf("apiBaseURL %s: host %s is not one the manager may call (%s); "+
		"add it to the manager's %s to allow it", u.Redacted(), net.JoinHostPort(host, port),
		strings.Join(allowed, ","), FlagAllowedHosts)
}
