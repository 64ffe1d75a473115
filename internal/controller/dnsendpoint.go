package controller

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=externaldns.k8s.io,resources=dnsendpoints,verbs=get;create;update;delete

// The DNSEndpoint is written as unstructured: importing external-dns's Go
// packages would pull its whole dependency tree into the operator.
var dnsEndpointGVK = schema.GroupVersionKind{Group: "externaldns.k8s.io", Version: "v1alpha1", Kind: "DNSEndpoint"}

// ConditionDNSPublished says whether the domain's records are published
// through external-dns (spec.publishDNS).
const ConditionDNSPublished = "DNSPublished"

// Reasons of DNSPublished.
const (
	ReasonPublished          = "Published"
	ReasonDNSEndpointMissing = "DNSEndpointCRDMissing"
	ReasonDNSEndpointTaken   = "DNSEndpointNotOwned"
	ReasonDNSEndpointFailed  = "DNSEndpointWriteFailed"
	ReasonNoDNSRecords       = "NoDNSRecords"
)

// DNSEndpointOfAnnotation marks a DNSEndpoint as the one the MailgunDomain
// of that name (same namespace) keeps. It replaces an ownerReference on
// purpose: with one, Kubernetes' garbage collector deletes the DNSEndpoint
// whenever the MailgunDomain goes, also when the Mailgun domain is kept
// (deletionPolicy Orphan, CRD removal, a claim's loser), and external-dns
// would then remove the SPF, DKIM and MX records of a live domain. The
// operator deletes the DNSEndpoint itself, only after Mailgun has deleted
// the domain (domainExternal.Delete).
const DNSEndpointOfAnnotation = "mailgun.operator.dev/dns-endpoint-of"

// dnsRetry is when to try a failed DNSEndpoint write again: the domain
// itself stays Ready, so nothing else would bring the object back soon.
const dnsRetry = 15 * time.Second

// dnsPublisher keeps a MailgunDomain's DNSEndpoint. It reads straight from
// the API server: a cached informer of a kind whose CRD may be missing
// would fail the whole manager.
type dnsPublisher struct {
	reader client.Reader
	writer client.Client
}

// publish makes the DNSEndpoint match the domain's records, writing only
// when it differs, and records the outcome in the DNSPublished condition.
// A missing CRD is a condition, not a failure of the domain.
func (p *dnsPublisher) publish(ctx context.Context, d *v1alpha1.MailgunDomain) error {
	if p == nil {
		return nil
	}
	want := d.Spec.PublishDNS != nil && d.Spec.PublishDNS.ExternalDNS
	published := meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished) != nil
	if !want && !published {
		return nil // never asked for: not even a read
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(dnsEndpointGVK)
	err := p.reader.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name}, cur)
	switch {
	case meta.IsNoMatchError(err) || isNoCRD(err):
		if want {
			setCondition(&d.Status.Status, d.Generation, ConditionDNSPublished, metav1.ConditionFalse, ReasonDNSEndpointMissing,
				"the DNSEndpoint CRD (externaldns.k8s.io/v1alpha1) is not installed: install external-dns's CRD, or unset spec.publishDNS")
		} else {
			meta.RemoveStatusCondition(&d.Status.Conditions, ConditionDNSPublished)
		}
		return nil
	case apierrors.IsNotFound(err):
		cur = nil
	case err != nil:
		return fmt.Errorf("cannot read DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
	}
	if cur != nil && !endpointIsOf(cur, d) {
		if want {
			setCondition(&d.Status.Status, d.Generation, ConditionDNSPublished, metav1.ConditionFalse, ReasonDNSEndpointTaken,
				fmt.Sprintf("DNSEndpoint %s exists and is not this domain's: delete or rename it", d.Name))
		} else {
			meta.RemoveStatusCondition(&d.Status.Conditions, ConditionDNSPublished)
		}
		return nil
	}
	if !want {
		if cur != nil {
			if err := p.writer.Delete(ctx, cur); client.IgnoreNotFound(err) != nil {
				return fmt.Errorf("cannot delete DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
			}
		}
		meta.RemoveStatusCondition(&d.Status.Conditions, ConditionDNSPublished)
		return nil
	}
	desired := dnsEndpoints(d)
	pub := d.Spec.PublishDNS
	if len(desired) == 0 {
		// No records known (yet): writing an empty set would make
		// external-dns delete every record it published for the domain.
		setCondition(&d.Status.Status, d.Generation, ConditionDNSPublished, metav1.ConditionFalse, ReasonNoDNSRecords,
			"Mailgun returned no DNS records for the domain: the DNSEndpoint is left as it is")
		return nil
	}
	if cur == nil {
		obj := &unstructured.Unstructured{}
		obj.SetGroupVersionKind(dnsEndpointGVK)
		obj.SetNamespace(d.Namespace)
		obj.SetName(d.Name)
		obj.SetLabels(pub.Labels)
		obj.SetAnnotations(merged(pub.Annotations, map[string]string{DNSEndpointOfAnnotation: d.Name}))
		if err := unstructured.SetNestedSlice(obj.Object, desired, "spec", "endpoints"); err != nil {
			return err
		}
		if err := p.writer.Create(ctx, obj); err != nil {
			return fmt.Errorf("cannot create DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
		}
	} else {
		have, _, _ := unstructured.NestedSlice(cur.Object, "spec", "endpoints")
		mark := map[string]string{DNSEndpointOfAnnotation: d.Name}
		owners := withoutOwner(cur.GetOwnerReferences(), d)
		if !reflect.DeepEqual(have, desired) || !subset(pub.Labels, cur.GetLabels()) || !subset(pub.Annotations, cur.GetAnnotations()) ||
			!subset(mark, cur.GetAnnotations()) || len(owners) != len(cur.GetOwnerReferences()) {
			cur.SetLabels(merged(cur.GetLabels(), pub.Labels))
			cur.SetAnnotations(merged(merged(cur.GetAnnotations(), pub.Annotations), mark))
			cur.SetOwnerReferences(owners)
			if err := unstructured.SetNestedSlice(cur.Object, desired, "spec", "endpoints"); err != nil {
				return err
			}
			if err := p.writer.Update(ctx, cur); err != nil {
				return fmt.Errorf("cannot update DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
			}
		}
	}
	setCondition(&d.Status.Status, d.Generation, ConditionDNSPublished, metav1.ConditionTrue, ReasonPublished,
		fmt.Sprintf("DNSEndpoint %s holds the domain's %d records", d.Name, len(d.Status.SendingDNSRecords)+len(d.Status.ReceivingDNSRecords)))
	return nil
}

// unpublish deletes the domain's DNSEndpoint if it is the domain's. It is
// called only once Mailgun has deleted the domain: a kept domain keeps its
// published records.
func (p *dnsPublisher) unpublish(ctx context.Context, d *v1alpha1.MailgunDomain) error {
	if p == nil {
		return nil
	}
	if (d.Spec.PublishDNS == nil || !d.Spec.PublishDNS.ExternalDNS) && meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished) == nil {
		return nil // never published (or already removed by publish): not even a read
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(dnsEndpointGVK)
	err := p.reader.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name}, cur)
	switch {
	case meta.IsNoMatchError(err) || isNoCRD(err) || apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("cannot read DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
	}
	if !endpointIsOf(cur, d) {
		return nil
	}
	if err := p.writer.Delete(ctx, cur); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("cannot delete DNSEndpoint %s/%s: %w", d.Namespace, d.Name, err)
	}
	return nil
}

// endpointIsOf: the DNSEndpoint carries d's mark, or (written before the
// mark existed) d's controller reference.
func endpointIsOf(ep *unstructured.Unstructured, d *v1alpha1.MailgunDomain) bool {
	return ep.GetAnnotations()[DNSEndpointOfAnnotation] == d.Name || metav1.IsControlledBy(ep, d)
}

// withoutOwner drops d's references: see DNSEndpointOfAnnotation.
func withoutOwner(refs []metav1.OwnerReference, d *v1alpha1.MailgunDomain) []metav1.OwnerReference {
	return slices.DeleteFunc(slices.Clone(refs), func(r metav1.OwnerReference) bool { return r.UID == d.UID })
}

// isNoCRD: the API server answers 404 for a resource it does not serve.
func isNoCRD(err error) bool {
	return err != nil && apierrors.IsNotFound(err) && strings.Contains(err.Error(), "the server could not find the requested resource")
}

func subset(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func merged(have, want map[string]string) map[string]string {
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, want)
	return out
}

// dnsEndpoints turns the domain's records into DNSEndpoint endpoints, one
// per name and type, in a stable order, as the API server returns them
// (int64 TTL, []any targets) so that a comparison with what was read is
// exact. MX targets are "priority host", external-dns's form.
func dnsEndpoints(d *v1alpha1.MailgunDomain) []any {
	type key struct{ name, typ string }
	targets := map[key][]string{}
	var order []key
	for _, r := range append(slices.Clone(d.Status.SendingDNSRecords), d.Status.ReceivingDNSRecords...) {
		name := strings.TrimSuffix(r.Name, ".")
		if name == "" {
			name = d.Spec.DomainName
		}
		k := key{name, r.RecordType}
		if _, ok := targets[k]; !ok {
			order = append(order, k)
		}
		v := r.Value
		if r.RecordType == "MX" && r.Priority != "" {
			v = r.Priority + " " + v
		}
		if !slices.Contains(targets[k], v) {
			targets[k] = append(targets[k], v)
		}
	}
	slices.SortFunc(order, func(a, b key) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.typ, b.typ)
	})
	out := make([]any, 0, len(order))
	for _, k := range order {
		ts := slices.Clone(targets[k])
		slices.Sort(ts)
		tt := make([]any, len(ts))
		for i, t := range ts {
			tt[i] = t
		}
		ep := map[string]any{"dnsName": k.name, "recordType": k.typ, "targets": tt}
		if ttl := d.Spec.PublishDNS.RecordTTL; ttl != nil {
			ep["recordTTL"] = *ttl
		}
		out = append(out, ep)
	}
	return out
}
