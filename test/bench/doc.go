// Package bench compares the operator's Mailgun client
// (internal/mailgun) with the official SDK, github.com/mailgun/mailgun-go,
// against one canned-answer httptest server. See docs/benchmarks.md for
// the results and `make bench` to reproduce them.
//
// It is a separate module so that mailgun-go never enters the operator's
// go.mod. It may still import internal/mailgun: Go's internal rule is about
// import paths, and this package's path,
// github.com/mailgun-operator/mailgun-operator/test/bench, lies under
// github.com/mailgun-operator/mailgun-operator, the parent of internal/.
// The replace directive in go.mod points that module at this checkout.
package bench
