package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=webhooks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=webhooks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=webhooks/finalizers,verbs=update

// webhookAPI is the part of the Mailgun client webhooks use.
type webhookAPI interface {
	ListWebhooks(ctx context.Context, a mailgun.Account, domain string) (mailgun.Webhooks, error)
	CreateWebhook(ctx context.Context, a mailgun.Account, domain string, e mailgun.Event, urls []string) error
	UpdateWebhook(ctx context.Context, a mailgun.Account, domain string, e mailgun.Event, urls []string) error
	DeleteWebhook(ctx context.Context, a mailgun.Account, domain string, e mailgun.Event) error
}

// webhookExternal adapts Webhook to the engine. A webhook has no id in
// Mailgun: its identity is (domain, event), so one list per domain observes
// it, and POST or PUT writes it. Two Webhooks of one event: see claims.go.
type webhookExternal struct {
	api webhookAPI
	// snapshots, when set, serve drift checks from one list of the
	// domain's webhooks shared by its Webhooks (snapshot.go).
	snapshots *Snapshots
}

func (x *webhookExternal) Observe(ctx context.Context, a mailgun.Account, w *v1alpha1.Webhook) (observation, error) {
	ev, err := webhookEvent(w)
	if err != nil {
		return observation{}, err
	}
	if x.snapshots.usable(&w.Status.ManagedStatus) {
		all, err := x.snapshots.webhooks(ctx, x.api, a, w.Spec.Domain, x.snapshots.notBefore(w, &w.Status.ManagedStatus))
		if have := all[ev]; err == nil && len(have) > 0 && sameSet(have, webhookURLs(w)) {
			w.Status.URLs = slices.Clone(have)
			return observation{exists: true, upToDate: true, diff: "urls"}, nil
		}
		// Missing or different in the snapshot, or no snapshot: a fresh
		// list decides, as it would without snapshots.
	}
	all, err := x.api.ListWebhooks(ctx, a, w.Spec.Domain)
	if err != nil {
		return observation{}, domainMissing(err, w.Spec.Domain)
	}
	have := all[ev]
	if len(have) == 0 {
		w.Status.URLs = nil
		return observation{}, nil
	}
	w.Status.URLs = slices.Clone(have)
	want := webhookURLs(w)
	return observation{exists: true, upToDate: sameSet(have, want), diff: "urls"}, nil
}

func (x *webhookExternal) Create(ctx context.Context, a mailgun.Account, w *v1alpha1.Webhook) (observation, error) {
	ev, err := webhookEvent(w)
	if err != nil {
		return observation{}, err
	}
	urls := webhookURLs(w)
	err = x.api.CreateWebhook(ctx, a, w.Spec.Domain, ev, urls)
	x.wrote(a, w)
	if err != nil {
		return observation{}, domainMissing(err, w.Spec.Domain)
	}
	w.Status.URLs = urls
	return observation{exists: true, upToDate: true}, nil
}

func (x *webhookExternal) Update(ctx context.Context, a mailgun.Account, w *v1alpha1.Webhook, _ observation) error {
	ev, err := webhookEvent(w)
	if err != nil {
		return err
	}
	urls := webhookURLs(w)
	err = x.api.UpdateWebhook(ctx, a, w.Spec.Domain, ev, urls)
	x.wrote(a, w)
	if err != nil {
		return domainMissing(err, w.Spec.Domain)
	}
	w.Status.URLs = urls
	return nil
}

func (x *webhookExternal) Delete(ctx context.Context, a mailgun.Account, w *v1alpha1.Webhook) error {
	ev, err := webhookEvent(w)
	if err != nil {
		return err
	}
	err = x.api.DeleteWebhook(ctx, a, w.Spec.Domain, ev)
	x.wrote(a, w)
	return err
}

// adoptsOnConflict: a webhook of a domain and event the create is told
// exists is taken over once Mailgun lists it, as Observe takes over any
// webhook of that event it lists (a webhook has no owner to tell apart,
// and lives on a domain of this account: another account cannot hold it).
func (x *webhookExternal) adoptsOnConflict(*v1alpha1.Webhook) bool { return true }

// wrote records a write to w's webhook (whatever its answer: a failed
// write may have been applied): w's own drift checks skip older snapshots,
// and the domain's webhooks snapshot goes, since another Webhook of the
// same event (one made after w's deletion, say) would otherwise read the
// webhook as it was before this write.
func (x *webhookExternal) wrote(a mailgun.Account, w *v1alpha1.Webhook) {
	x.snapshots.wrote(w.UID)
	x.snapshots.invalidate(a, "webhooks/"+w.Spec.Domain)
}

// Identity is the webhook's domain and event.
func (x *webhookExternal) Identity(w *v1alpha1.Webhook) string {
	return w.Spec.Domain + "/" + string(w.Spec.Event)
}

// webhookClaim is the index value naming what a Webhook claims.
func webhookClaim(w *v1alpha1.Webhook) string {
	return w.Spec.AccountName() + "/" + w.Spec.Domain + "/" + string(w.Spec.Event)
}

func webhookEvent(w *v1alpha1.Webhook) (mailgun.Event, error) {
	ev, ok := mailgun.ParseEvent(string(w.Spec.Event))
	if !ok {
		return 0, stalledError(ReasonInvalidSpec, fmt.Errorf("unknown event %q", w.Spec.Event))
	}
	return ev, nil
}

func webhookURLs(w *v1alpha1.Webhook) []string {
	urls := make([]string, len(w.Spec.URLs))
	for i, u := range w.Spec.URLs {
		urls[i] = string(u)
	}
	return urls
}

// domainMissing names the domain when Mailgun does not know it, which the
// user fixes by creating the domain (often a MailgunDomain still in
// progress), so it is retried with backoff.
func domainMissing(err error, domain string) error {
	if errors.Is(err, mailgun.ErrNotFound) {
		return retryError(ReasonDomainNotFound, fmt.Errorf(
			"domain %s does not exist in this Mailgun account yet: create it (a MailgunDomain) or fix spec.domain: %w", domain, err))
	}
	return err
}

// sameSet compares URL lists ignoring order: Mailgun may return them in any.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
