package controller

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// dnsEndpointOf reads the DNSEndpoint of a domain ("" fields when absent).
func dnsEndpointOf(d *v1alpha1.MailgunDomain) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(dnsEndpointGVK)
	return u, k8s.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: d.Name}, u)
}

// endpointTargets is "name type: targets" per endpoint.
func endpointTargets(u *unstructured.Unstructured) []string {
	eps, _, _ := unstructured.NestedSlice(u.Object, "spec", "endpoints")
	var out []string
	for _, e := range eps {
		m := e.(map[string]any)
		ts, _, _ := unstructured.NestedStringSlice(m, "targets")
		out = append(out, m["dnsName"].(string)+" "+m["recordType"].(string)+": "+joinComma(ts))
	}
	return out
}

func joinComma(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

var _ = Describe("MailgunDomain publishing DNS through external-dns", func() {
	It("keeps a DNSEndpoint owned by the domain with its records, corrects it, writes nothing in sync, and removes it when asked", func() {
		w := newWorld()
		d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "pub", Namespace: w.ns},
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "pub.example.com",
				PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true, Labels: map[string]string{"dns": "public"}}}}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)
		Eventually(func() string { s, r := condition(d, ConditionDNSPublished); return string(s) + "/" + r }).
			Should(Equal("True/" + ReasonPublished))

		ep, err := dnsEndpointOf(d)
		Expect(err).NotTo(HaveOccurred())
		Expect(ep.GetLabels()).To(HaveKeyWithValue("dns", "public"))
		Expect(ep.GetOwnerReferences()).To(BeEmpty(), "no ownerReference: the garbage collector would delete it with a kept domain")
		Expect(ep.GetAnnotations()).To(HaveKeyWithValue(DNSEndpointOfAnnotation, d.Name))
		want := endpointTargets(ep)
		Expect(want).To(ContainElement("pub.example.com MX: 10 mxa.mailgun.org,10 mxb.mailgun.org"))
		Expect(want).To(ContainElement(ContainSubstring("pub.example.com TXT: v=spf1 include:mailgun.org")))
		Expect(want).To(HaveLen(len(d.Status.SendingDNSRecords) + 1)) // the two MX share an endpoint

		// In sync: drift checks do not write it.
		rv := ep.GetResourceVersion()
		Consistently(func() string { e, _ := dnsEndpointOf(d); return e.GetResourceVersion() }).
			WithTimeout(testOpts.SyncPeriod + 2*time.Second).Should(Equal(rv))

		// Changed behind the operator's back: corrected at the next sync.
		Expect(unstructured.SetNestedSlice(ep.Object, []any{map[string]any{"dnsName": "x.example.com", "recordType": "A", "targets": []any{"1.2.3.4"}}},
			"spec", "endpoints")).To(Succeed())
		Expect(k8s.Update(ctx, ep)).To(Succeed())
		Eventually(func() []string { e, _ := dnsEndpointOf(d); return endpointTargets(e) }).WithTimeout(2 * testOpts.SyncPeriod).Should(Equal(want))

		// Deleted: made again.
		Expect(k8s.Delete(ctx, ep)).To(Succeed())
		Eventually(func() []string { e, _ := dnsEndpointOf(d); return endpointTargets(e) }).WithTimeout(2 * testOpts.SyncPeriod).Should(Equal(want))

		// The records change in Mailgun (a new DKIM selector): it follows.
		get(d)
		d.Spec.DKIMSelector = "s2"
		Expect(k8s.Update(ctx, d)).To(Succeed())
		Eventually(func() []string { e, _ := dnsEndpointOf(d); return endpointTargets(e) }).WithTimeout(2 * testOpts.SyncPeriod).
			Should(ContainElement(HavePrefix("s2._domainkey.pub.example.com TXT: ")))

		// Not asked any more: removed, and the condition with it.
		get(d)
		d.Spec.PublishDNS = nil
		Expect(k8s.Update(ctx, d)).To(Succeed())
		Eventually(func() bool { _, err := dnsEndpointOf(d); return apierrors.IsNotFound(err) }).Should(BeTrue())
		Eventually(func() string { s, _ := condition(d, ConditionDNSPublished); return string(s) }).Should(BeEmpty())
	})

	It("keeps the DNSEndpoint of a domain kept in Mailgun (Orphan) and deletes it after Mailgun deleted the domain (Delete)", func() {
		w := newWorld()
		for _, policy := range []v1alpha1.DeletionPolicy{v1alpha1.DeletionOrphan, v1alpha1.DeletionDelete} {
			name := strings.ToLower(string(policy))
			d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
				Spec: v1alpha1.MailgunDomainSpec{DomainName: name + ".example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true},
					ManagedSpec: v1alpha1.ManagedSpec{DeletionPolicy: policy}}}
			Expect(k8s.Create(ctx, d)).To(Succeed())
			eventuallyReady(d)
			Eventually(func() string { _, r := condition(d, ConditionDNSPublished); return r }).Should(Equal(ReasonPublished))
			Expect(k8s.Delete(ctx, d)).To(Succeed())
			Eventually(func() bool { return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(d), d)) }).Should(BeTrue())
			ep, err := dnsEndpointOf(d)
			if policy == v1alpha1.DeletionOrphan {
				// envtest runs no garbage collector: what would make it
				// collect the DNSEndpoint is a reference to the domain.
				Expect(err).NotTo(HaveOccurred(), "the Mailgun domain is kept, so are its records")
				Expect(ep.GetOwnerReferences()).To(BeEmpty())
				_, kept := w.mg.Domain(d.Spec.DomainName)
				Expect(kept).To(BeTrue())
			} else {
				Expect(apierrors.IsNotFound(err)).To(BeTrue(), "deleted with the Mailgun domain: %v", err)
				_, kept := w.mg.Domain(d.Spec.DomainName)
				Expect(kept).To(BeFalse())
			}
		}
	})

	It("never takes over a DNSEndpoint that is not the domain's", func() {
		w := newWorld()
		other := &unstructured.Unstructured{}
		other.SetGroupVersionKind(dnsEndpointGVK)
		other.SetNamespace(w.ns)
		other.SetName("taken")
		Expect(unstructured.SetNestedSlice(other.Object, []any{map[string]any{"dnsName": "a.example.com", "recordType": "A", "targets": []any{"1.2.3.4"}}},
			"spec", "endpoints")).To(Succeed())
		Expect(k8s.Create(ctx, other)).To(Succeed())
		d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "taken", Namespace: w.ns},
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "taken.example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true}}}
		Expect(k8s.Create(ctx, d)).To(Succeed())
		eventuallyReady(d)
		Eventually(func() string { _, r := condition(d, ConditionDNSPublished); return r }).Should(Equal(ReasonDNSEndpointTaken))
		ep, err := dnsEndpointOf(d)
		Expect(err).NotTo(HaveOccurred())
		Expect(endpointTargets(ep)).To(Equal([]string{"a.example.com A: 1.2.3.4"}))
	})
})
