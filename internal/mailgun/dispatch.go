package mailgun

import (
	"net/http"
	"strconv"
)

// Operation names one Mailgun API call. It indexes opTable, so dispatch is
// an array index, and it is the "operation" label of every metric.
type Operation uint8

// The operations. The order is part of no wire format; append new ones
// before numOperations.
const (
	OpListDomains Operation = iota
	OpCreateDomain
	OpGetDomain
	OpUpdateDomain
	OpVerifyDomain
	OpDeleteDomain
	OpGetTracking
	OpSetClickTracking
	OpSetOpenTracking
	OpSetUnsubscribeTracking
	OpSetDKIMSelector
	OpSetDKIMAuthority
	OpListWebhooks
	OpCreateWebhook
	OpGetWebhook
	OpUpdateWebhook
	OpDeleteWebhook
	OpCreateRoute
	OpListRoutes
	OpGetRoute
	OpUpdateRoute
	OpDeleteRoute
	OpListCredentials
	OpCreateCredential
	OpUpdateCredential
	OpDeleteCredential
	OpCreateTemplate
	OpGetTemplate
	OpUpdateTemplate
	OpDeleteTemplate
	OpListTemplateVersions
	OpCreateTemplateVersion
	OpGetTemplateVersion
	OpUpdateTemplateVersion
	OpDeleteTemplateVersion
	OpCreateList
	OpGetList
	OpUpdateList
	OpDeleteList
	OpListMembers
	OpAddMembers
	OpDeleteMember
	numOperations
)

// NumOperations is the number of operations, for callers that size arrays
// by Operation (as the metrics do).
const NumOperations = int(numOperations)

var opNames = [numOperations]string{
	OpListDomains:            "ListDomains",
	OpCreateDomain:           "CreateDomain",
	OpGetDomain:              "GetDomain",
	OpUpdateDomain:           "UpdateDomain",
	OpVerifyDomain:           "VerifyDomain",
	OpDeleteDomain:           "DeleteDomain",
	OpGetTracking:            "GetTracking",
	OpSetClickTracking:       "SetClickTracking",
	OpSetOpenTracking:        "SetOpenTracking",
	OpSetUnsubscribeTracking: "SetUnsubscribeTracking",
	OpSetDKIMSelector:        "SetDKIMSelector",
	OpSetDKIMAuthority:       "SetDKIMAuthority",
	OpListWebhooks:           "ListWebhooks",
	OpCreateWebhook:          "CreateWebhook",
	OpGetWebhook:             "GetWebhook",
	OpUpdateWebhook:          "UpdateWebhook",
	OpDeleteWebhook:          "DeleteWebhook",
	OpCreateRoute:            "CreateRoute",
	OpListRoutes:             "ListRoutes",
	OpGetRoute:               "GetRoute",
	OpUpdateRoute:            "UpdateRoute",
	OpDeleteRoute:            "DeleteRoute",
	OpListCredentials:        "ListCredentials",
	OpCreateCredential:       "CreateCredential",
	OpUpdateCredential:       "UpdateCredential",
	OpDeleteCredential:       "DeleteCredential",
	OpCreateTemplate:         "CreateTemplate",
	OpGetTemplate:            "GetTemplate",
	OpUpdateTemplate:         "UpdateTemplate",
	OpDeleteTemplate:         "DeleteTemplate",
	OpListTemplateVersions:   "ListTemplateVersions",
	OpCreateTemplateVersion:  "CreateTemplateVersion",
	OpGetTemplateVersion:     "GetTemplateVersion",
	OpUpdateTemplateVersion:  "UpdateTemplateVersion",
	OpDeleteTemplateVersion:  "DeleteTemplateVersion",
	OpCreateList:             "CreateList",
	OpGetList:                "GetList",
	OpUpdateList:             "UpdateList",
	OpDeleteList:             "DeleteList",
	OpListMembers:            "ListMembers",
	OpAddMembers:             "AddMembers",
	OpDeleteMember:           "DeleteMember",
}

// String returns the operation's name, e.g. "GetDomain".
func (o Operation) String() string {
	if o < numOperations {
		return opNames[o]
	}
	return "Operation(" + strconv.Itoa(int(o)) + ")"
}

// Operations returns every operation, in order.
func Operations() []Operation {
	ops := make([]Operation, numOperations)
	for i := range ops {
		ops[i] = Operation(i)
	}
	return ops
}

// opSpec is one row of the dispatch table. The path is
//
//	lit[0] + seg1 + lit[1] + seg2 + lit[2] + seg3 + lit[3]
//
// with nseg segments, each escaped as a single path segment. No row has more
// than three segments (a template version: domain, template, tag), so fixed
// arrays suffice and nothing is parsed per call.
type opSpec struct {
	method     string
	lit        [4]string
	nseg       uint8
	idempotent bool // GET, PUT, DELETE: safe to retry on a transient error
	list       bool // takes ListOptions as skip/limit query
	// body is how the request form is encoded (docs/mailgun-api.md,
	// "Request bodies"); the zero value is urlencoded.
	body bodyEncoding
}

// The Mailgun paths and body encodings, as docs/mailgun-api.md records them
// with their sources. Note domain delete is v3 while the other domain calls
// are v4, and that the v4 domain create and update take multipart bodies.
var opTable = [numOperations]opSpec{
	OpListDomains:  {method: http.MethodGet, lit: [4]string{"/v4/domains"}, idempotent: true, list: true},
	OpCreateDomain: {method: http.MethodPost, lit: [4]string{"/v4/domains"}, body: encMultipart},
	OpGetDomain:    {method: http.MethodGet, lit: [4]string{"/v4/domains/"}, nseg: 1, idempotent: true},
	OpUpdateDomain: {method: http.MethodPut, lit: [4]string{"/v4/domains/"}, nseg: 1, idempotent: true, body: encMultipart},
	OpVerifyDomain: {method: http.MethodPut, lit: [4]string{"/v4/domains/", "/verify"}, nseg: 1, idempotent: true},
	OpDeleteDomain: {method: http.MethodDelete, lit: [4]string{"/v3/domains/"}, nseg: 1, idempotent: true},

	OpGetTracking:            {method: http.MethodGet, lit: [4]string{"/v3/domains/", "/tracking"}, nseg: 1, idempotent: true},
	OpSetClickTracking:       {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/tracking/click"}, nseg: 1, idempotent: true},
	OpSetOpenTracking:        {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/tracking/open"}, nseg: 1, idempotent: true},
	OpSetUnsubscribeTracking: {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/tracking/unsubscribe"}, nseg: 1, idempotent: true},
	OpSetDKIMSelector:        {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/dkim_selector"}, nseg: 1, idempotent: true},
	OpSetDKIMAuthority:       {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/dkim_authority"}, nseg: 1, idempotent: true},

	OpListWebhooks:  {method: http.MethodGet, lit: [4]string{"/v3/domains/", "/webhooks"}, nseg: 1, idempotent: true},
	OpCreateWebhook: {method: http.MethodPost, lit: [4]string{"/v3/domains/", "/webhooks"}, nseg: 1},
	OpGetWebhook:    {method: http.MethodGet, lit: [4]string{"/v3/domains/", "/webhooks/"}, nseg: 2, idempotent: true},
	OpUpdateWebhook: {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/webhooks/"}, nseg: 2, idempotent: true},
	OpDeleteWebhook: {method: http.MethodDelete, lit: [4]string{"/v3/domains/", "/webhooks/"}, nseg: 2, idempotent: true},

	OpCreateRoute: {method: http.MethodPost, lit: [4]string{"/v3/routes"}},
	OpListRoutes:  {method: http.MethodGet, lit: [4]string{"/v3/routes"}, idempotent: true, list: true},
	OpGetRoute:    {method: http.MethodGet, lit: [4]string{"/v3/routes/"}, nseg: 1, idempotent: true},
	OpUpdateRoute: {method: http.MethodPut, lit: [4]string{"/v3/routes/"}, nseg: 1, idempotent: true},
	OpDeleteRoute: {method: http.MethodDelete, lit: [4]string{"/v3/routes/"}, nseg: 1, idempotent: true},

	OpListCredentials:  {method: http.MethodGet, lit: [4]string{"/v3/domains/", "/credentials"}, nseg: 1, idempotent: true, list: true},
	OpCreateCredential: {method: http.MethodPost, lit: [4]string{"/v3/domains/", "/credentials"}, nseg: 1},
	// A password change is a PUT, but not idempotent in effect: Mailgun may
	// refuse the same password again with a 400 (docs/mailgun-api.md,
	// "Credentials"), so a retry of a change whose answer was lost would
	// turn a success into a refusal. The caller, which knows what it sent
	// before, decides instead.
	OpUpdateCredential: {method: http.MethodPut, lit: [4]string{"/v3/domains/", "/credentials/"}, nseg: 2},
	OpDeleteCredential: {method: http.MethodDelete, lit: [4]string{"/v3/domains/", "/credentials/"}, nseg: 2, idempotent: true},

	// Templates live under /v3/{domain}/templates, without "domains/"
	// (docs/mailgun-api.md, "Templates").
	OpCreateTemplate:        {method: http.MethodPost, lit: [4]string{"/v3/", "/templates"}, nseg: 1},
	OpGetTemplate:           {method: http.MethodGet, lit: [4]string{"/v3/", "/templates/"}, nseg: 2, idempotent: true},
	OpUpdateTemplate:        {method: http.MethodPut, lit: [4]string{"/v3/", "/templates/"}, nseg: 2, idempotent: true},
	OpDeleteTemplate:        {method: http.MethodDelete, lit: [4]string{"/v3/", "/templates/"}, nseg: 2, idempotent: true},
	OpListTemplateVersions:  {method: http.MethodGet, lit: [4]string{"/v3/", "/templates/", "/versions"}, nseg: 2, idempotent: true, list: true},
	OpCreateTemplateVersion: {method: http.MethodPost, lit: [4]string{"/v3/", "/templates/", "/versions"}, nseg: 2},
	OpGetTemplateVersion:    {method: http.MethodGet, lit: [4]string{"/v3/", "/templates/", "/versions/"}, nseg: 3, idempotent: true},
	OpUpdateTemplateVersion: {method: http.MethodPut, lit: [4]string{"/v3/", "/templates/", "/versions/"}, nseg: 3, idempotent: true},
	OpDeleteTemplateVersion: {method: http.MethodDelete, lit: [4]string{"/v3/", "/templates/", "/versions/"}, nseg: 3, idempotent: true},

	// Mailing lists are account-wide, named by address (docs/mailgun-api.md,
	// "Mailing lists"). Members are read by cursor pages and added in bulk.
	OpCreateList:  {method: http.MethodPost, lit: [4]string{"/v3/lists"}},
	OpGetList:     {method: http.MethodGet, lit: [4]string{"/v3/lists/"}, nseg: 1, idempotent: true},
	OpUpdateList:  {method: http.MethodPut, lit: [4]string{"/v3/lists/"}, nseg: 1, idempotent: true},
	OpDeleteList:  {method: http.MethodDelete, lit: [4]string{"/v3/lists/"}, nseg: 1, idempotent: true},
	OpListMembers: {method: http.MethodGet, lit: [4]string{"/v3/lists/", "/members/pages"}, nseg: 1, idempotent: true},
	// An upsert: sending it again gives the same members, so it is retried.
	// Multipart, as the SDK's CreateMemberList sends it (docs/mailgun-api.md,
	// "Request body encoding, per endpoint").
	OpAddMembers:   {method: http.MethodPost, lit: [4]string{"/v3/lists/", "/members.json"}, nseg: 1, idempotent: true, body: encMultipart},
	OpDeleteMember: {method: http.MethodDelete, lit: [4]string{"/v3/lists/", "/members/"}, nseg: 2, idempotent: true},
}

// Method returns the HTTP method of an operation.
func (o Operation) Method() string {
	if o < numOperations {
		return opTable[o].method
	}
	return ""
}

// Idempotent reports whether the client retries the operation on a transient
// error (GET, PUT, DELETE). POSTs are never retried: a POST that reached
// Mailgun but whose answer was lost would create a second route.
func (o Operation) Idempotent() bool { return o < numOperations && opTable[o].idempotent }

// appendPath appends the escaped path of op to dst. Segments the op does not
// take are ignored. op must be < numOperations.
func appendPath(dst []byte, op Operation, seg1, seg2 string) []byte {
	return appendPath3(dst, op, seg1, seg2, "")
}

// appendPath3 is appendPath for rows of up to three segments.
func appendPath3(dst []byte, op Operation, seg1, seg2, seg3 string) []byte {
	sp := &opTable[op]
	dst = append(dst, sp.lit[0]...)
	if sp.nseg > 0 {
		dst = appendPathSegment(dst, seg1)
		dst = append(dst, sp.lit[1]...)
	}
	if sp.nseg > 1 {
		dst = appendPathSegment(dst, seg2)
		dst = append(dst, sp.lit[2]...)
	}
	if sp.nseg > 2 {
		dst = appendPathSegment(dst, seg3)
		dst = append(dst, sp.lit[3]...)
	}
	return dst
}

// appendListQuery appends "limit=N&skip=N" (each only when > 0) for list
// operations. Without either, Mailgun's defaults apply.
func appendListQuery(dst []byte, o ListOptions) []byte {
	if o.Limit > 0 {
		dst = append(dst, "limit="...)
		dst = strconv.AppendInt(dst, int64(o.Limit), 10)
	}
	if o.Skip > 0 {
		if o.Limit > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, "skip="...)
		dst = strconv.AppendInt(dst, int64(o.Skip), 10)
	}
	return dst
}

// validSegment rejects the segments that would change which resource a path
// names even when escaped: "" (GetDomain("") would become the list URL,
// DeleteCredential(d, "") a DELETE on the collection) and the dot segments,
// which servers and proxies normalise away ("credentials/.." is the domain).
func validSegment(s string) bool {
	return s != "" && s != "." && s != ".."
}

// segmentSafe[c] is true for bytes url.PathEscape leaves alone: the RFC 3986
// unreserved characters plus the sub-delims it allows in a segment
// ("$&+:=@"). "/", ";", ",", "?" and everything else are escaped.
var segmentSafe = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_.~$&+:=@" {
		t[c] = true
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendPathSegment is url.PathEscape appending into dst: no allocation when
// dst has room, and one append of the whole string in the common case of a
// segment that needs no escaping.
func appendPathSegment(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && segmentSafe[s[i]] {
		i++
	}
	dst = append(dst, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if segmentSafe[c] {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}
