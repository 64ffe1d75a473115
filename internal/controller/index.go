package controller

import (
	"context"
	"fmt"

	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// namespacedIndexer registers field indexes that answer only namespaced
// lists (client.InNamespace with client.MatchingFields), the only kind the
// operator makes: every reference it indexes (an account, a Secret, a
// claim) stays inside one namespace.
//
// controller-runtime's own IndexField stores each value twice, once under
// the object's namespace and once under a cluster-wide key, so that a list
// across all namespaces can use the index too. For an index whose values
// are unique per object (the claim: one Mailgun object each) that second
// copy is a second string and a second set per object in every informer:
// about a quarter of a KiB per object at 10,000 Routes (docs/benchmarks.md).
//
// The index lives where controller-runtime's cache reader looks for it (an
// informer indexer named "field:<field>", values "<namespace>/<value>"),
// so client.MatchingFields on the manager's client finds it unchanged, in
// a cache of one informer per kind or of one per watched namespace alike.
// That naming is controller-runtime's (cache/internal FieldIndexName and
// KeyToNamespacedKey); should it change, the envtest suite's lists by
// field (claims, account users, Secret references) fail.
type namespacedIndexer struct {
	informers cache.Informers
}

var _ client.FieldIndexer = namespacedIndexer{}

// IndexField adds the index of field to obj's informer.
func (n namespacedIndexer) IndexField(ctx context.Context, obj client.Object, field string, extract client.IndexerFunc) error {
	// Never waits for the informer to sync, as controller-runtime's own
	// IndexField (and before the manager starts there is nothing to wait for).
	inf, err := n.informers.GetInformer(ctx, obj, cache.BlockUntilSynced(false))
	if err != nil {
		return fmt.Errorf("cannot get the informer of %T to index it by %s: %w", obj, field, err)
	}
	return inf.AddIndexers(toolscache.Indexers{"field:" + field: namespacedIndexFunc(extract)})
}

// namespacedIndexFunc turns extract's values into index values under the
// object's namespace only. A cluster-scoped object (none is indexed today)
// gets the cluster-wide key a list without a namespace asks for.
func namespacedIndexFunc(extract client.IndexerFunc) toolscache.IndexFunc {
	return func(raw any) ([]string, error) {
		obj, ok := raw.(client.Object)
		if !ok {
			return nil, fmt.Errorf("cannot index %T: not a client.Object", raw)
		}
		ns := obj.GetNamespace()
		if ns == "" {
			ns = "__all_namespaces"
		}
		vals := extract(obj)
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = ns + "/" + v
		}
		return out, nil
	}
}
