package mailguntest

// Answers in the exact shapes docs/mailgun-api.md records, as Mailgun sends them:
// the client's tests replay them, they seed its fuzz corpora, and the
// benchmarks against mailgun-go (test/bench) answer with them. They are
// constants of their own, not the emulator's output, so that the client is
// tested against Mailgun's shapes and not only against the emulator.

const FixtureDomain = `{
  "id": "5f8d2f1e0a4b3c0001a1b2c3",
  "name": "example.com",
  "state": "unverified",
  "type": "custom",
  "created_at": "Mon, 19 Oct 2020 06:12:14 GMT",
  "smtp_login": "postmaster@example.com",
  "spam_action": "disabled",
  "wildcard": false,
  "require_tls": true,
  "skip_verification": false,
  "is_disabled": false,
  "web_prefix": "email",
  "web_scheme": "https",
  "use_automatic_sender_security": true,
  "message_ttl": 259200,
  "tracking_host": "email.example.com",
  "mailfrom_host": ""
}`

const FixtureRecords = `
  "sending_dns_records": [
    {"record_type": "TXT", "name": "example.com", "value": "v=spf1 include:mailgun.org ~all", "priority": "", "valid": "unknown", "is_active": true, "cached": []},
    {"record_type": "TXT", "name": "mx._domainkey.example.com", "value": "k=rsa; p=MIGf", "valid": "unknown", "is_active": true, "cached": []},
    {"record_type": "CNAME", "name": "email.example.com", "value": "mailgun.org", "valid": "unknown", "is_active": false, "cached": []}
  ],
  "receiving_dns_records": [
    {"record_type": "MX", "name": "example.com", "value": "mxa.mailgun.org", "priority": "10", "valid": "valid", "is_active": true, "cached": ["mxa.mailgun.org"]},
    {"record_type": "MX", "name": "example.com", "value": "mxb.mailgun.org", "priority": "10", "valid": "invalid", "is_active": true, "cached": []}
  ]`

const FixtureGetDomain = `{"domain": ` + FixtureDomain + `,` + FixtureRecords + "}\n"

const FixtureCreateDomain = `{"message": "Domain DNS records have been created", "domain": ` + FixtureDomain + `,` + FixtureRecords + "}\n"

const FixtureListDomains = `{"total_count": 2, "items": [` + FixtureDomain + `, {"id": "2", "name": "b.example.com", "state": "active", "wildcard": true, "message_ttl": 60}]}`

const FixtureTracking = `{"tracking": {
  "click": {"active": true},
  "open": {"active": false, "place_at_the_top": true},
  "unsubscribe": {"active": true, "html_footer": "<p>Unsubscribe: <a href=\"%unsubscribe_url%\">here</a></p>", "text_footer": "Unsubscribe: %unsubscribe_url%"}
}}`

const FixtureTrackingHTMLOnly = `{"tracking": {"click": {"active": "htmlonly"}, "open": {"active": true}, "unsubscribe": {"active": false, "html_footer": "", "text_footer": ""}}}`

// The list answer mixes the current {"urls": [...]} and the legacy {"url": ...}.
const FixtureListWebhooks = `{"webhooks": {
  "delivered": {"urls": ["https://hooks.example.com/delivered", "https://backup.example.com/d"]},
  "opened": {"url": "https://hooks.example.com/opened"},
  "permanent_fail": {"urls": ["https://hooks.example.com/fail"]},
  "clicked": {"urls": []}
}}`

const FixtureGetWebhook = `{"webhook": {"urls": ["https://hooks.example.com/a", "https://hooks.example.com/b", "https://hooks.example.com/c"]}}`

const FixtureGetWebhookLegacy = `{"webhook": {"url": "https://hooks.example.com/legacy"}}`

const FixtureRouteObj = `{
  "actions": ["forward(\"https://in.example.com/mail\")", "stop()"],
  "created_at": "Wed, 15 Feb 2012 13:03:31 GMT",
  "description": "owner=2f0c1c3e-uid",
  "expression": "match_recipient(\".*@example.com\")",
  "id": "4f3bad2335335426750048c6",
  "priority": 10
}`

const FixtureCreateRoute = `{"message": "Route has been created", "route": ` + FixtureRouteObj + `}`

const FixtureGetRoute = `{"route": ` + FixtureRouteObj + `}`

// PUT /v3/routes/{id} answered flat, the route at the top level: the shape
// the official SDK decodes. The API reference nests it under "route" like
// FixtureCreateRoute; docs/mailgun-api.md ("Routes") keeps both readings.
const FixtureUpdateRouteTopLevel = `{
  "actions": ["store()"], "created_at": "Wed, 15 Feb 2012 13:03:31 GMT",
  "description": "new", "expression": "catch_all()", "id": "4f3bad2335335426750048c6",
  "message": "Route has been updated", "priority": 2
}`

const FixtureListRoutes = `{"total_count": 1, "items": [` + FixtureRouteObj + `]}`

const FixtureListCredentials = `{"total_count": 2, "items": [
  {"size_bytes": 0, "created_at": "Tue, 27 Sep 2011 20:24:22 GMT", "mailbox": "alice@example.com", "login": "alice@example.com"},
  {"size_bytes": 0, "created_at": "Wed, 28 Sep 2011 20:24:22 GMT", "mailbox": "bob@example.com", "login": "bob@example.com"}
]}`
