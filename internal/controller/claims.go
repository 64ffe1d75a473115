package controller

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// Two resources may name one Mailgun object: two Routes with one routeID or
// one external-name, two MailgunDomains of one domain, two Webhooks of one
// event. Exactly one manages it, the older (then the first by name); the
// others are Stalled Conflict, touch nothing in Mailgun, and never delete it.

// indexClaim indexes managed objects by what they claim in Mailgun.
const indexClaim = "claim"

// claimOf is what o claims in Mailgun, with its account ("" when it names
// nothing yet, as a Route before its create).
func claimOf(o client.Object) string {
	switch x := o.(type) {
	case *v1alpha1.Route:
		if id := routeIdentity(x); id != "" {
			return x.Spec.AccountName() + "/route/" + id
		}
	case *v1alpha1.MailgunDomain:
		return x.Spec.AccountName() + "/domain/" + x.Spec.DomainName
	case *v1alpha1.Webhook:
		return webhookClaim(x)
	case *v1alpha1.MailingList:
		return x.Spec.AccountName() + "/list/" + x.Spec.Address
	case *v1alpha1.Template:
		return x.Spec.AccountName() + "/template/" + x.Spec.Domain + "/" + x.Spec.Name
	case *v1alpha1.SMTPCredential:
		return x.Spec.AccountName() + "/credential/" + x.Spec.Domain + "/" + x.Spec.FullLogin()
	}
	return ""
}

// claimWinner returns the name of another object that claims obj's Mailgun
// object first, "" when obj wins or claims nothing.
func claimWinner(ctx context.Context, c client.Reader, list client.ObjectList, obj client.Object) (string, error) {
	claim := claimOf(obj)
	if claim == "" || c == nil {
		return "", nil
	}
	// Read only (UIDs, names, creation times): the cache's objects need no
	// copy, which every reconcile of every object would otherwise make.
	if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{indexClaim: claim},
		client.UnsafeDisableDeepCopy); err != nil {
		return "", fmt.Errorf("cannot list what else claims %s: %w", claim, err)
	}
	winner := ""
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		other := o.(metav1.Object)
		if winner == "" && other.GetUID() != obj.GetUID() && claimsFirst(other, obj) {
			winner = other.GetName()
		}
		return nil
	})
	return winner, nil
}

// claimsFirst orders claims by creation time, then name, so that exactly one
// of several objects wins, whichever reconciles first.
func claimsFirst(a, b metav1.Object) bool {
	ta, tb := a.GetCreationTimestamp().Time, b.GetCreationTimestamp().Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.GetName() < b.GetName()
}

// conflictError is the Stalled Conflict of a claim's loser.
func conflictError(obj v1alpha1.Managed, winner string) error {
	return stalledError(ReasonConflict, fmt.Errorf(
		"another %s, %s, already manages this Mailgun object (%s): delete one of the two; this one touches nothing in Mailgun, "+
			"and never deletes it", kindOf(obj), winner, claimOf(obj)))
}

// kindOf names a managed object's kind for messages (a typed object from
// the cache has no TypeMeta).
func kindOf(o client.Object) string {
	switch o.(type) {
	case *v1alpha1.Route:
		return "Route"
	case *v1alpha1.MailgunDomain:
		return "MailgunDomain"
	case *v1alpha1.Webhook:
		return "Webhook"
	}
	return "resource"
}
