package controller

import (
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Options configure every controller.
type Options struct {
	// SyncPeriod is how often in-sync objects are checked for drift.
	SyncPeriod time.Duration
	// DNSCheckInterval is how often an unverified domain's DNS is rechecked.
	DNSCheckInterval time.Duration
	// CreateGrace: see DefaultCreateGrace.
	CreateGrace time.Duration
	// MaxConcurrentReconciles per kind.
	MaxConcurrentReconciles int
	// AllowedHosts and AllowInsecureHTTP say where the operator may call
	// (see HostPolicy); empty AllowedHosts means DefaultAllowedHosts.
	AllowedHosts      []string
	AllowInsecureHTTP bool
	// SnapshotMaxAge bounds the age of the list snapshots that serve drift
	// checks (snapshot.go); 0 means the sync period, negative turns them
	// off (one read per object per check).
	SnapshotMaxAge time.Duration
	// Shard is the shard's name (its leader election lease) when the
	// manager watches a share of the objects (--watch-label-selector);
	// empty when it watches all. It names the finalizer the manager holds
	// API key Secrets with (ShardSecretFinalizer).
	Shard string

	paused func(mailgun.Account) (time.Time, bool) // the client's PausedUntil
}

func (o *Options) defaults() {
	if o.SyncPeriod <= 0 {
		o.SyncPeriod = DefaultSyncPeriod
	}
	if o.DNSCheckInterval <= 0 {
		o.DNSCheckInterval = DefaultDNSCheckInterval
	}
	if o.CreateGrace <= 0 {
		o.CreateGrace = DefaultCreateGrace
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 4
	}
	if o.SnapshotMaxAge == 0 {
		o.SnapshotMaxAge = o.SyncPeriod
	}
}

// Field index names.
const (
	indexAccountRef   = "spec.accountRef.name"
	indexAPIKeySecret = "spec.apiKeySecretRef.name"
	indexPasswordRef  = "spec.smtpPasswordSecretRef.name"
	// indexCredentialSecret indexes SMTPCredentials by their password Secret.
	indexCredentialSecret = "spec.passwordSecretRef.name"
	// indexTemplateConfigMap indexes Templates by the ConfigMaps of their bodies.
	indexTemplateConfigMap = "spec.versions.templateFrom.configMapKeyRef.name"
)

// SetupWithManager registers the four controllers on mgr, all sharing one
// Mailgun client.
func SetupWithManager(mgr manager.Manager, mg *mailgun.Client, o Options) error {
	o.defaults()
	o.paused = mg.PausedUntil
	if err := ParseAllowedHosts(o.AllowedHosts); err != nil {
		return fmt.Errorf("invalid allowed hosts: %w", err)
	}
	if err := addIndexes(mgr); err != nil {
		return err
	}
	if err := ctrlmetrics.Registry.Register(newObjectsCollector(mgr.GetCache())); err != nil {
		return fmt.Errorf("cannot register the objects metric: %w", err)
	}
	secrets := Secrets{Cached: mgr.GetClient(), Direct: mgr.GetAPIReader()}
	accounts := &Accounts{Cached: mgr.GetClient(), Secrets: secrets,
		Policy: HostPolicy{AllowedHosts: o.AllowedHosts, AllowInsecureHTTP: o.AllowInsecureHTTP}}
	// Retries back off exponentially, but never wait longer than the sync
	// period: nothing is given up on, however long it failed.
	opts := controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, o.SyncPeriod),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
		)}

	if err := setupAccounts(mgr, accounts, mg, o, opts); err != nil {
		return err
	}
	// One snapshot store for every kind: a snapshot per account and list.
	snapshots := NewSnapshots(o.SnapshotMaxAge)
	if err := mgr.Add(snapshots); err != nil {
		return fmt.Errorf("cannot add the snapshot sweeper: %w", err)
	}
	domains := &domainExternal{api: mg, secrets: secrets, dnsCheckInterval: o.DNSCheckInterval, snapshots: snapshots,
		dns: &dnsPublisher{reader: mgr.GetAPIReader(), writer: mgr.GetClient()}}
	if err := mgr.Add(domains); err != nil {
		return fmt.Errorf("cannot add the DNS check sweeper: %w", err)
	}
	if err := setupManaged(mgr, "mailgundomain", newEngine(mgr, accounts, o, domains, func() *v1alpha1.MailgunDomain { return &v1alpha1.MailgunDomain{} },
		func() client.ObjectList { return &v1alpha1.MailgunDomainList{} }, "mailgundomains."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.MailgunDomain{}, &v1alpha1.MailgunDomainList{}, passwordSecretWatch(mgr)); err != nil {
		return err
	}
	webhooks := &webhookExternal{api: mg, snapshots: snapshots}
	if err := setupManaged(mgr, "webhook", newEngine(mgr, accounts, o, webhooks, func() *v1alpha1.Webhook { return &v1alpha1.Webhook{} },
		func() client.ObjectList { return &v1alpha1.WebhookList{} }, "webhooks."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.Webhook{}, &v1alpha1.WebhookList{}, nil); err != nil {
		return err
	}
	routes := &routeExternal{api: mg, recorder: mgr.GetEventRecorder("mailgun-operator"), snapshots: snapshots, claims: mgr.GetClient()}
	if err := setupManaged(mgr, "route", newEngine(mgr, accounts, o, routes, func() *v1alpha1.Route { return &v1alpha1.Route{} },
		func() client.ObjectList { return &v1alpha1.RouteList{} }, "routes."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.Route{}, &v1alpha1.RouteList{}, nil); err != nil {
		return err
	}
	return setupNewKinds(mgr, mg, accounts, secrets, o, opts)
}

// setupNewKinds registers the kinds of issue 12 (SMTP credentials, ...).
func setupNewKinds(mgr manager.Manager, mg *mailgun.Client, accounts *Accounts, secrets Secrets, o Options, opts controller.Options) error {
	creds := &credentialExternal{api: mg, secrets: secrets, fresh: mgr.GetAPIReader(), status: mgr.GetClient().Status()}
	if err := setupManaged(mgr, "smtpcredential", newEngine(mgr, accounts, o, creds, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
		func() client.ObjectList { return &v1alpha1.SMTPCredentialList{} }, "smtpcredentials."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.SMTPCredential{}, &v1alpha1.SMTPCredentialList{},
		secretWatch(mgr, &v1alpha1.SMTPCredentialList{}, indexCredentialSecret)); err != nil {
		return err
	}
	templates := &templateExternal{api: mg, configMaps: mgr.GetAPIReader()}
	if err := setupManaged(mgr, "template", newEngine(mgr, accounts, o, templates, func() *v1alpha1.Template { return &v1alpha1.Template{} },
		func() client.ObjectList { return &v1alpha1.TemplateList{} }, "templates."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.Template{}, &v1alpha1.TemplateList{}, configMapWatch(mgr, &v1alpha1.TemplateList{}, indexTemplateConfigMap)); err != nil {
		return err
	}
	lists := &listExternal{api: mg}
	return setupManaged(mgr, "mailinglist", newEngine(mgr, accounts, o, lists, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
		func() client.ObjectList { return &v1alpha1.MailingListList{} }, "mailinglists."+v1alpha1.GroupVersion.Group),
		opts, &v1alpha1.MailingList{}, &v1alpha1.MailingListList{}, nil)
}

// configMapWatch reconciles the objects of list whose index names a
// ConfigMap when it changes (a template body). Metadata only: the bodies
// are read when needed, never cached.
func configMapWatch(mgr manager.Manager, list client.ObjectList, index string) extraWatch {
	return func(b *builder.Builder) *builder.Builder {
		return b.Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(
			referrers(mgr.GetClient(), list, index)), builder.OnlyMetadata)
	}
}

// managedKinds are the kinds the engine reconciles, for the watches and
// indexes every one of them needs.
func managedKinds() []client.Object {
	return []client.Object{&v1alpha1.MailgunDomain{}, &v1alpha1.Webhook{}, &v1alpha1.Route{}, &v1alpha1.SMTPCredential{}, &v1alpha1.Template{}, &v1alpha1.MailingList{}}
}

// ManagedKinds are the kinds the engine reconciles, for the manager's
// cache options (--watch-label-selector restricts each of them).
func ManagedKinds() []client.Object { return managedKinds() }

// managedLists are managedKinds' lists, in the same order.
func managedLists() []client.ObjectList {
	return []client.ObjectList{&v1alpha1.MailgunDomainList{}, &v1alpha1.WebhookList{}, &v1alpha1.RouteList{}, &v1alpha1.SMTPCredentialList{}, &v1alpha1.TemplateList{}, &v1alpha1.MailingListList{}}
}

// newEngine builds the engine of one kind; crd names the kind's
// CustomResourceDefinition. A wrong name reads as "CRD gone" and orphans
// every deletion, which the envtests of deletion would catch.
func newEngine[T v1alpha1.Managed](mgr manager.Manager, accounts *Accounts, o Options, x external[T], newObj func() T,
	newList func() client.ObjectList, crd string) *Engine[T] {
	e := &Engine[T]{Client: mgr.GetClient(), Accounts: accounts, External: x, New: newObj,
		Recorder: mgr.GetEventRecorder("mailgun-operator"), SyncPeriod: o.SyncPeriod, CreateGrace: o.CreateGrace,
		Claims: mgr.GetClient(), NewList: newList, Paused: o.paused}
	e.CRDDeleting = crdDeletion{reader: mgr.GetAPIReader(), name: crd}.deleting
	e.Fresh = mgr.GetAPIReader()
	return e
}

// primaryChanges lets through what needs a reconcile: a spec change, an
// annotation change (a manual nudge) or a deletion, and not the operator's
// own status and finalizer writes, which would otherwise loop.
var primaryChanges = predicate.Or(predicate.GenerationChangedPredicate{}, userAnnotationChanges)

// userAnnotationChanges lets through an annotation change other than the
// operator's own bookkeeping (the create marker and the external name,
// which it writes in the reconcile that needs them): each of those would
// otherwise cost every created object one more reconcile, and a Mailgun
// read, right after its create.
//
// The bookkeeping annotations are the user's too (the external name is
// documented as theirs to set), so their edits of them do wake the object:
// see userEditedOwnAnnotations.
var userAnnotationChanges = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		return !onlyOwnAnnotationsChanged(e.ObjectOld.GetAnnotations(), e.ObjectNew.GetAnnotations()) ||
			userEditedOwnAnnotations(e.ObjectOld, e.ObjectNew)
	},
}

// userEditedOwnAnnotations tells a user's edit of the operator's own
// annotations from the operator's writes, which are only: the external
// name written where there was none before the object's first status
// (the create or adoption that names it), or changed to the id status
// records; the create marker written, or removed when no create is
// pending in status. Anything else is the user's:
//   - the external name removed, or changed (or set on an object status
//     already records) to something other than status.id: pointing the
//     object at another Mailgun object. (For a Route re-created in Mailgun
//     this also lets through the operator's own write of the new id,
//     written before status: one more reconcile on that rare path.)
//   - the create marker removed while status says its create is pending.
//     Not while only the marker says so: the operator removes it itself
//     after a create that made nothing, before writing status, and waking
//     on that would repeat a failing create without backoff.
//   - another object's create marker removed (a copy told to make its own
//     route, see route_restore.go): the operator only ever replaces one.
func userEditedOwnAnnotations(oldObj, newObj client.Object) bool {
	m, ok := newObj.(v1alpha1.Managed)
	if !ok {
		return false
	}
	st := m.GetManagedStatus()
	oa, na := oldObj.GetAnnotations(), newObj.GetAnnotations()
	if ov, nv := oa[ExternalNameAnnotation], na[ExternalNameAnnotation]; ov != nv {
		if nv == "" {
			return true
		}
		if (ov != "" || st.Management != "") && nv != statusID(newObj) {
			return true
		}
	}
	_, had := oa[CreateStartedAnnotation]
	_, has := na[CreateStartedAnnotation]
	if had && !has {
		// Another object's marker removed: a copy told to make its own
		// (route_restore.go). The operator never removes one. Or a
		// Route's own marker removed with no external name beside it: the
		// operator writes the two together once the route's id is known
		// (unmarkCreate), so this is a user's edit, and the external name
		// must be written now.
		return st.CreatePendingSince != nil || !ownMarker(oldObj) ||
			(statusID(newObj) != "" && na[ExternalNameAnnotation] == "")
	}
	return false
}

// statusID is the Mailgun id a kind records in status (a Route's), or "".
func statusID(obj client.Object) string {
	if r, ok := obj.(*v1alpha1.Route); ok {
		return r.Status.ID
	}
	return ""
}

// onlyOwnAnnotationsChanged says whether every key that differs between
// old and new is one the operator writes itself (true when none differs).
func onlyOwnAnnotationsChanged(old, new map[string]string) bool {
	own := func(k string) bool {
		return k == CreateStartedAnnotation || k == ExternalNameAnnotation || k == ExternalNameWrittenAnnotation
	}
	for k, v := range new {
		if ov, ok := old[k]; (!ok || ov != v) && !own(k) {
			return false
		}
	}
	for k := range old {
		if _, ok := new[k]; !ok && !own(k) {
			return false
		}
	}
	return true
}

// accountChanges lets through the account changes its objects act on: its
// Ready status or reason, its spec, the address it records, its deletion.
// Not every status write: a message or a check time changes nothing for
// them, and waking every object of the account at each one would cost a
// Mailgun call per object.
var accountChanges = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*v1alpha1.MailgunAccount)
		n, ok2 := e.ObjectNew.(*v1alpha1.MailgunAccount)
		if !ok1 || !ok2 {
			return true
		}
		before := meta.FindStatusCondition(o.Status.Conditions, v1alpha1.ConditionReady)
		after := meta.FindStatusCondition(n.Status.Conditions, v1alpha1.ConditionReady)
		if (before == nil) != (after == nil) || (before != nil && (before.Status != after.Status || before.Reason != after.Reason)) {
			return true
		}
		return o.Generation != n.Generation || o.Status.APIBaseURL != n.Status.APIBaseURL ||
			o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
	},
}

// extraWatch adds a kind-specific watch to a managed controller.
type extraWatch func(b *builder.Builder) *builder.Builder

func setupManaged(mgr manager.Manager, name string, r reconcile.Reconciler, opts controller.Options,
	obj client.Object, list client.ObjectList, extra extraWatch) error {
	b := ctrl.NewControllerManagedBy(mgr).Named(name).WithOptions(opts).
		For(obj, builder.WithPredicates(primaryChanges)).
		Watches(&v1alpha1.MailgunAccount{}, handler.EnqueueRequestsFromMapFunc(referrers(mgr.GetClient(), list, indexAccountRef)),
			builder.WithPredicates(accountChanges))
	b = claimWatch(mgr, obj, list)(b)
	if extra != nil {
		b = extra(b)
	}
	if err := b.Complete(r); err != nil {
		return fmt.Errorf("cannot set up the %s controller: %w", name, err)
	}
	return nil
}

func setupAccounts(mgr manager.Manager, accounts *Accounts, mg *mailgun.Client, o Options, opts controller.Options) error {
	r := &AccountReconciler{Client: mgr.GetClient(), Accounts: accounts, Mailgun: mg, SyncPeriod: o.SyncPeriod, Shard: o.Shard}
	b := ctrl.NewControllerManagedBy(mgr).Named("mailgunaccount").WithOptions(opts).
		For(&v1alpha1.MailgunAccount{}, builder.WithPredicates(primaryChanges)).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(
			referrers(mgr.GetClient(), &v1alpha1.MailgunAccountList{}, indexAPIKeySecret)), builder.OnlyMetadata)
	// A deleted object may be the last user a deleted account waits for;
	// an object being deleted keeps the account's Secret held.
	onlyDeletes := builder.WithPredicates(predicate.Funcs{
		CreateFunc: func(event.CreateEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	})
	for _, kind := range managedKinds() {
		b = b.Watches(kind, handler.EnqueueRequestsFromMapFunc(accountOf), onlyDeletes)
	}
	err := b.Complete(r)
	if err != nil {
		return fmt.Errorf("cannot set up the mailgunaccount controller: %w", err)
	}
	return nil
}

// accountOf maps a managed object to its account.
func accountOf(_ context.Context, o client.Object) []reconcile.Request {
	m, ok := o.(v1alpha1.Managed)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: m.GetManagedSpec().AccountName()}}}
}

// passwordSecretWatch reconciles a domain when its SMTP password Secret
// changes, which rotates the password.
func passwordSecretWatch(mgr manager.Manager) extraWatch {
	return func(b *builder.Builder) *builder.Builder {
		return b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(
			referrers(mgr.GetClient(), &v1alpha1.MailgunDomainList{}, indexPasswordRef)), builder.OnlyMetadata)
	}
}

// secretWatch reconciles the objects of list whose index names a Secret
// when that Secret changes (a password rotation).
func secretWatch(mgr manager.Manager, list client.ObjectList, index string) extraWatch {
	return func(b *builder.Builder) *builder.Builder {
		return b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(
			referrers(mgr.GetClient(), list, index)), builder.OnlyMetadata)
	}
}

// claimWatch wakes the other objects of the kind that claim the same
// Mailgun object (see claims.go) when one is deleted, so that one in
// Conflict takes over once the winner is gone.
func claimWatch(mgr manager.Manager, obj client.Object, list client.ObjectList) extraWatch {
	c := mgr.GetClient()
	return func(b *builder.Builder) *builder.Builder {
		return b.Watches(obj, handler.EnqueueRequestsFromMapFunc(
			func(ctx context.Context, o client.Object) []reconcile.Request {
				claim := claimOf(o)
				if claim == "" {
					return nil
				}
				return listRequests(ctx, c, list.DeepCopyObject().(client.ObjectList), o.GetNamespace(), indexClaim, claim, o.GetName())
			}), builder.WithPredicates(predicate.Funcs{
			CreateFunc:  func(event.CreateEvent) bool { return false },
			UpdateFunc:  func(e event.UpdateEvent) bool { return !e.ObjectNew.GetDeletionTimestamp().IsZero() },
			GenericFunc: func(event.GenericEvent) bool { return false },
		}))
	}
}

// referrers maps an object to the objects of list in its namespace whose
// index field names it.
func referrers(c client.Client, list client.ObjectList, index string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return listRequests(ctx, c, list.DeepCopyObject().(client.ObjectList), o.GetNamespace(), index, o.GetName(), "")
	}
}

func listRequests(ctx context.Context, c client.Client, list client.ObjectList, ns, index, value, skip string) []reconcile.Request {
	// Only the names are read: no copies of the cache's objects.
	if err := c.List(ctx, list, client.InNamespace(ns), client.MatchingFields{index: value}, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	_ = meta.EachListItem(list, func(obj runtime.Object) error {
		m := obj.(metav1.Object)
		if m.GetName() != skip {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: m.GetNamespace(), Name: m.GetName()}})
		}
		return nil
	})
	return reqs
}

func addIndexes(mgr manager.Manager) error {
	idx := namespacedIndexer{informers: mgr.GetCache()}
	ctx := context.Background()
	for _, obj := range managedKinds() {
		if err := idx.IndexField(ctx, obj, indexAccountRef, func(o client.Object) []string {
			return []string{o.(v1alpha1.Managed).GetManagedSpec().AccountName()}
		}); err != nil {
			return fmt.Errorf("cannot index %T by account: %w", obj, err)
		}
	}
	if err := idx.IndexField(ctx, &v1alpha1.MailgunAccount{}, indexAPIKeySecret, func(o client.Object) []string {
		return []string{string(o.(*v1alpha1.MailgunAccount).Spec.APIKeySecretRef.Name)}
	}); err != nil {
		return fmt.Errorf("cannot index MailgunAccount by Secret: %w", err)
	}
	if err := idx.IndexField(ctx, &v1alpha1.MailgunDomain{}, indexPasswordRef, func(o client.Object) []string {
		if ref := o.(*v1alpha1.MailgunDomain).Spec.SMTPPasswordSecretRef; ref != nil {
			return []string{string(ref.Name)}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("cannot index MailgunDomain by Secret: %w", err)
	}
	if err := idx.IndexField(ctx, &v1alpha1.SMTPCredential{}, indexCredentialSecret, func(o client.Object) []string {
		return []string{string(o.(*v1alpha1.SMTPCredential).Spec.PasswordSecretRef.Name)}
	}); err != nil {
		return fmt.Errorf("cannot index SMTPCredential by Secret: %w", err)
	}
	if err := idx.IndexField(ctx, &v1alpha1.Template{}, indexTemplateConfigMap, func(o client.Object) []string {
		var names []string
		for _, v := range o.(*v1alpha1.Template).Spec.Versions {
			if v.TemplateFrom != nil && !slices.Contains(names, v.TemplateFrom.ConfigMapKeyRef.Name) {
				names = append(names, v.TemplateFrom.ConfigMapKeyRef.Name)
			}
		}
		return names
	}); err != nil {
		return fmt.Errorf("cannot index Template by ConfigMap: %w", err)
	}
	if err := idx.IndexField(ctx, &v1alpha1.Route{}, indexRouteMarker, routeMarkerIndexValues); err != nil {
		return fmt.Errorf("cannot index Route by create marker: %w", err)
	}
	for _, obj := range managedKinds() {
		if err := idx.IndexField(ctx, obj, indexClaim, func(o client.Object) []string {
			if c := claimOf(o); c != "" {
				return []string{c}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("cannot index %T by claim: %w", obj, err)
		}
	}
	return nil
}
