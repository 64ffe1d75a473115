// Package contract checks the operator's Mailgun client and its emulator
// against an independent referee: the official Go SDK,
// github.com/mailgun/mailgun-go/v5, pinned to v5.17.0 in this module's
// go.mod. Two directions, for every operation both sides cover (domains,
// tracking, DKIM selector and authority, webhooks, routes, credentials):
//
//   - ours_vs_mock_test.go: our client (internal/mailgun) against the SDK's
//     own test server, mocks.NewServer(). Every call must succeed and decode
//     the values the mock holds: the ones it seeds and the ones written
//     through it. The mock refuses anything but multipart/form-data on
//     POST /v4/domains and PUT /v4/domains/{name}, so a client that sends
//     those bodies urlencoded fails here.
//   - sdk_vs_emulator_test.go: the SDK against our emulator
//     (internal/mailgun/mailguntest), in process. The emulator must
//     understand the SDK's requests (content types, field names, repeated
//     fields), as its state shows, and the SDK must decode its answers to
//     the values that state holds.
//
// Neither the SDK nor its mock is the API itself. Where one of them
// contradicts the public API reference (docs/mailgun-api.md, "Where the
// SDK's mock differs from the reference", gives the sources), the test
// names the reference and asserts the reference's behaviour instead: the
// request our side sends, or the answer and state of our emulator, which
// follows the reference. Each such case also asserts what the pinned SDK
// or mock does, as a tripwire: upgrading the pin then tells which cases
// have been fixed upstream. The cases, each in a test whose name starts
// with TestDeviation:
//
//   - mock: POST /v4/domains answers {"message"} only; the reference
//     answers the domain and its DNS records.
//   - mock: PUT /v4/domains/{name} ignores spam_action, wildcard and
//     smtp_password; the reference updates them.
//   - mock: PUT .../tracking/click with active=htmlonly panics (strconv
//     ParseBool) and drops the connection; the reference takes htmlonly.
//   - mock: GET .../webhooks/{event} of an event without webhook answers
//     200 with no URLs; the reference answers 404.
//   - mock: DELETE /v3/routes/{id} of an unknown id answers 200; the
//     reference answers 404.
//   - mock: DELETE .../credentials/{login} removes the first login that
//     does not match; the reference removes the named login.
//   - SDK: UpdateRoute decodes the PUT /v3/routes/{id} answer as a bare
//     route; the reference nests it under "route" (the emulator answers
//     both ways, SetRouteUpdateAnswer).
//   - SDK: tracking "active" is a Go bool, so the undocumented string
//     reading of click tracking ("htmlonly") fails to decode; the
//     reference types it boolean (the emulator answers both ways,
//     SetClickReading).
//
// It is a module of its own so that mailgun-go never enters the operator's
// go.mod; `make test` runs it. It may import internal/mailgun because its
// import path lies under the operator module's path, and the replace
// directive points that module at this checkout.
package contract
