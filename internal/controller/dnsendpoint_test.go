package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// TestPublishWithoutCRD: without the DNSEndpoint CRD a domain that asks
// for publishing says so in DNSPublished and does not fail; one that does
// not ask is not even read.
func TestPublishWithoutCRD(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	// The fake client serves any unstructured kind; a real one's RESTMapper
	// answers a kind it cannot find with NoKindMatchError, as here.
	noKind := func(_ context.Context, _ client.WithWatch, _ client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
		return &meta.NoKindMatchError{GroupKind: obj.GetObjectKind().GroupVersionKind().GroupKind(), SearchedVersions: []string{"v1alpha1"}}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{Get: noKind}).Build()
	p := &dnsPublisher{reader: c, writer: c}
	d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "mg", Namespace: "ns", Generation: 3},
		Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true}}}
	if err := p.publish(context.Background(), d); err != nil {
		t.Fatalf("publish without the CRD: %v", err)
	}
	cond := meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished)
	if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != ReasonDNSEndpointMissing || cond.ObservedGeneration != 3 {
		t.Fatalf("condition %+v, want DNSPublished False %s", cond, ReasonDNSEndpointMissing)
	}
	// Asking no more removes the condition.
	d.Spec.PublishDNS = nil
	if err := p.publish(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished) != nil {
		t.Error("DNSPublished stayed after publishDNS was unset")
	}
}

// TestDNSEndpoints: records become endpoints per name and type, MX targets
// carry their priority, empty names are the domain, output is ordered.
func TestDNSEndpoints(t *testing.T) {
	ttl := int64(300)
	d := &v1alpha1.MailgunDomain{Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true, RecordTTL: &ttl}},
		Status: v1alpha1.MailgunDomainStatus{
			SendingDNSRecords: []v1alpha1.DNSRecord{{RecordType: "TXT", Name: "mg.example.com", Value: "v=spf1 include:mailgun.org ~all"},
				{RecordType: "CNAME", Name: "email.mg.example.com.", Value: "mailgun.org"}},
			ReceivingDNSRecords: []v1alpha1.DNSRecord{{RecordType: "MX", Value: "mxb.mailgun.org", Priority: "10"},
				{RecordType: "MX", Value: "mxa.mailgun.org", Priority: "10"}},
		}}
	got := dnsEndpoints(d)
	want := []any{
		map[string]any{"dnsName": "email.mg.example.com", "recordType": "CNAME", "targets": []any{"mailgun.org"}, "recordTTL": ttl},
		map[string]any{"dnsName": "mg.example.com", "recordType": "MX", "targets": []any{"10 mxa.mailgun.org", "10 mxb.mailgun.org"}, "recordTTL": ttl},
		map[string]any{"dnsName": "mg.example.com", "recordType": "TXT", "targets": []any{"v=spf1 include:mailgun.org ~all"}, "recordTTL": ttl},
	}
	if !equalJSONish(got, want) {
		t.Errorf("endpoints\n%v\nwant\n%v", got, want)
	}
}

func equalJSONish(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !mapsEqual(a[i].(map[string]any), b[i].(map[string]any)) {
			return false
		}
	}
	return true
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		switch x := v.(type) {
		case []any:
			y, ok := b[k].([]any)
			if !ok || len(x) != len(y) {
				return false
			}
			for i := range x {
				if x[i] != y[i] {
					return false
				}
			}
		default:
			if v != b[k] {
				return false
			}
		}
	}
	return true
}

// TestDNSEndpointWriteFailureDoesNotBlockDomain: a DNSEndpoint the API
// server refuses to write is said in DNSPublished and looked at again soon;
// the domain's observation stands (it stays Ready).
func TestDNSEndpointWriteFailureDoesNotBlockDomain(t *testing.T) {
	mg := mailguntest.NewServer("key-1")
	defer mg.Close()
	mg.PutDomain(mailguntest.Domain{Name: "mg.example.com", State: "active"})
	acct, err := mailgun.NewAccount(mg.URL, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(_ context.Context, _ client.WithWatch, _ client.Object, _ ...client.CreateOption) error {
		return errors.New("admission webhook denied the request")
	}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithInterceptorFuncs(interceptor.Funcs{Create: refuse}).Build()
	x := &domainExternal{api: mailgun.New(mailgun.Options{}), dnsCheckInterval: time.Hour, dns: &dnsPublisher{reader: c, writer: c}}
	d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "mg", Namespace: "ns", Generation: 2},
		Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true}}}
	obs, err := x.Observe(context.Background(), acct, d)
	if err != nil {
		t.Fatalf("Observe failed with the DNSEndpoint: %v", err)
	}
	if !obs.exists {
		t.Fatal("the domain's observation was lost")
	}
	cond := meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished)
	if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != ReasonDNSEndpointFailed {
		t.Fatalf("condition %+v, want DNSPublished False %s", cond, ReasonDNSEndpointFailed)
	}
	if obs.lookAgain <= 0 || obs.lookAgain > dnsRetry {
		t.Errorf("lookAgain %v, want at most %v", obs.lookAgain, dnsRetry)
	}
}

// TestPublishNeverEmptiesDNSEndpoint: with no records in status the
// DNSEndpoint keeps what it holds (external-dns would delete the records
// of an empty one) and the condition says why.
func TestPublishNeverEmptiesDNSEndpoint(t *testing.T) {
	old := &unstructured.Unstructured{}
	old.SetGroupVersionKind(dnsEndpointGVK)
	old.SetNamespace("ns")
	old.SetName("mg")
	old.SetAnnotations(map[string]string{DNSEndpointOfAnnotation: "mg"})
	held := []any{map[string]any{"dnsName": "mg.example.com", "recordType": "TXT", "targets": []any{"v=spf1 include:mailgun.org ~all"}}}
	if err := unstructured.SetNestedSlice(old.Object, held, "spec", "endpoints"); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(old).Build()
	p := &dnsPublisher{reader: c, writer: c}
	d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "mg", Namespace: "ns"},
		Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com", PublishDNS: &v1alpha1.PublishDNS{ExternalDNS: true}}}
	if err := p.publish(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(dnsEndpointGVK)
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "ns", Name: "mg"}, cur); err != nil {
		t.Fatal(err)
	}
	have, _, _ := unstructured.NestedSlice(cur.Object, "spec", "endpoints")
	if len(have) != 1 {
		t.Errorf("endpoints %v, want the one held", have)
	}
	if cond := meta.FindStatusCondition(d.Status.Conditions, ConditionDNSPublished); cond == nil || cond.Reason != ReasonNoDNSRecords {
		t.Errorf("condition %+v, want %s", cond, ReasonNoDNSRecords)
	}
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return scheme
}
