package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	mailgunv1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/controller"
)

// Sharding on Kubernetes (issue 11, item 3; README "Sharding"): several
// manager Deployments split one cluster's objects by label, with Flux's flag
// and semantics: --watch-label-selector restricts what the manager watches,
// and so what it reconciles, to the objects whose labels match.

// defaultLeaderElectionID is the lease of an unsharded manager.
const defaultLeaderElectionID = "mailgun-operator.mailgun.operator.dev"

func registerShardFlags(fs *flag.FlagSet, f *flags) {
	fs.StringVar(&f.watchLabelSelector, "watch-label-selector", "",
		"Reconcile only the MailgunAccounts, MailgunDomains, Webhooks and Routes whose labels match this selector "+
			"(Kubernetes label selector syntax, as Flux's flag of the same name), e.g. 'mailgun.operator.dev/shard=a' "+
			"or '!mailgun.operator.dev/shard'. All objects of one account must match the same shard. Empty: all.")
	fs.StringVar(&f.leaderElectionID, "leader-election-id", "",
		"Name of the leader election Lease. Empty: "+defaultLeaderElectionID+
			", followed by a hash of --watch-label-selector when it is set, so that each shard elects its own leader.")
}

// watchSelector parses --watch-label-selector; nil when empty.
func (f *flags) watchSelector() (labels.Selector, error) {
	if f.watchLabelSelector == "" {
		return nil, nil
	}
	sel, err := labels.Parse(f.watchLabelSelector)
	if err != nil {
		return nil, fmt.Errorf("--watch-label-selector %q: %w", f.watchLabelSelector, err)
	}
	return sel, nil
}

// leaseID is the leader election Lease name: the flag, or the default with
// a hash of the selector, so that shards never share a lease (one shard
// would then wait for another's leader forever) while replicas of one
// shard do.
func (f *flags) leaseID() string {
	if f.leaderElectionID != "" {
		return f.leaderElectionID
	}
	if f.watchLabelSelector == "" {
		return defaultLeaderElectionID
	}
	// The canonical form: "a=1,b=2" and " b = 2, a = 1" select the same
	// objects and must share one lease. A selector that does not parse
	// stops the start in watchSelector before the lease is used.
	canonical := f.watchLabelSelector
	if sel, err := labels.Parse(f.watchLabelSelector); err == nil {
		canonical = sel.String()
	}
	sum := sha256.Sum256([]byte(canonical))
	return defaultLeaderElectionID + "-" + hex.EncodeToString(sum[:4])
}

// shardCache restricts the informers of the operator's kinds to the
// selector. Secrets are not restricted: an account's Secret carries no
// shard label, and the cache holds only their metadata anyway.
func shardCache(o *cache.Options, sel labels.Selector) {
	if sel == nil {
		return
	}
	if o.ByObject == nil {
		o.ByObject = map[client.Object]cache.ByObject{}
	}
	// Every managed kind (controller.ManagedKinds, so a new kind is sharded
	// too) and the accounts.
	for _, obj := range append([]client.Object{&mailgunv1alpha1.MailgunAccount{}}, controller.ManagedKinds()...) {
		// No Transform here: the cache's DefaultTransform (see
		// controller.SetCacheTransforms) applies to these kinds too.
		o.ByObject[obj] = cache.ByObject{Label: sel}
	}
}
