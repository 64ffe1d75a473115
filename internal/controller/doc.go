// Package controller holds the operator's reconcilers.
//
// Where things are, for a reader who knows kubebuilder's layout:
//
//   - managed_reconciler.go: the one Reconcile of MailgunDomain, Webhook and
//     Route (Engine). It owns finalizers, ownership (created, adopted, create
//     pending), conditions, events, status writes and requeues, following
//     crossplane-runtime's Observe/Create/Update/Delete contract.
//   - adapter.go: that contract (external), which each kind implements:
//     mailgundomain_adapter.go (with mailgundomain_diff.go), webhook_adapter.go
//     and route_adapter.go. An adapter only talks to Mailgun and fills in its
//     kind's status.
//   - mailgunaccount_controller.go: the MailgunAccount reconciler, which
//     checks the key and holds its Secret (keyhold.go) while objects use it.
//   - setup.go: the wiring: watches, indexes and one Engine per kind.
//   - outcome.go, heal.go, conditions.go: how an error becomes a condition and
//     when to look again; claims.go, accounts.go, secrets.go, writes.go,
//     cache.go, metrics.go: what the reconcilers share.
//
// docs/architecture.md follows one field from kubectl apply to Mailgun and
// back through these files.
package controller
