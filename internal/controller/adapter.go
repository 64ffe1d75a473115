package controller

import (
	"context"
	"time"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// external is what a kind tells the engine about its Mailgun object: the
// Observe/Create/Update/Delete contract of crossplane-runtime's managed
// reconciler. An adapter only talks to Mailgun and fills in kind-specific
// status; the engine owns finalizers, ownership, conditions, events, status
// writes and requeues.
type external[T v1alpha1.Managed] interface {
	// Observe reads the Mailgun object, records what it saw in obj's status
	// and says whether it exists and matches the spec. It makes no writes.
	Observe(ctx context.Context, acct mailgun.Account, obj T) (observation, error)
	// Create makes the Mailgun object, records its identity in status and
	// reports what it made (upToDate when all of the spec is applied).
	Create(ctx context.Context, acct mailgun.Account, obj T) (observation, error)
	// Update sends what differs, as found by the Observe that preceded it.
	Update(ctx context.Context, acct mailgun.Account, obj T, obs observation) error
	// Delete removes the Mailgun object; the engine treats not-found as done.
	Delete(ctx context.Context, acct mailgun.Account, obj T) error
	// Identity names the Mailgun object obj manages ("" while unknown), as
	// the engine records it in the ExternalNameAnnotation.
	Identity(obj T) string
}

// markerFinder is implemented by adapters whose Mailgun objects carry
// their resource's UID (a route's description marker) and that find them
// by the create-started annotation after a restore without status: those
// need no external-name annotation after their own create.
type markerFinder interface{ findsByMarker() }

// ExternalNameAnnotation records the identity of the Mailgun object a
// resource manages (a route's id; a domain's name; a webhook's
// domain/event), Crossplane's convention. It is written at create (with the
// finalizer, when the identity is known before) or when an existing object
// is found, and read first, so the identity survives the loss of status: a
// Velero restore, or a copy of the resource made with its metadata. A
// Route's own create does not write it: its create marker serves (see
// markerFinder).
const ExternalNameAnnotation = "mailgun.operator.dev/external-name"

// observation is an adapter's finding.
type observation struct {
	exists   bool
	upToDate bool
	// diff names what differs, for the Updated event, e.g. "spamAction, tracking.open".
	diff string
	// state is adapter data Update needs (what differs), kept opaque.
	state any
	// notReady, when set, keeps Ready False although Mailgun matches the
	// spec (a domain waiting for its DNS, when the user asked for that).
	notReady *waiting
	// lookAgain, when > 0 and shorter than the sync period, is when to
	// observe again (a domain's DNS check).
	lookAgain time.Duration
}

// waiting explains why an in-sync object is not Ready yet.
type waiting struct {
	reason, message string
}
