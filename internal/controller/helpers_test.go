package controller

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

const testKey = "key-test-0123456789"

// world is one test's own namespace, Mailgun emulator and default account.
type world struct {
	ns string
	mg *mailguntest.Server
}

// newWorld starts an emulator and a Ready MailgunAccount "default" for it in
// a fresh namespace.
func newWorld() *world { return newWorldWithKey(testKey) }

// newWorldWithKey is newWorld with an emulator that accepts key: the
// Mailgun client keeps its rate-limit pauses per key.
func newWorldWithKey(key string) *world {
	mg := mailguntest.NewServer(key)
	DeferCleanup(mg.Close)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "mg-"}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	w := &world{ns: ns.Name, mg: mg}
	// Runs before mg.Close: the test's objects are orphaned and deleted, so
	// that they do not retry against a closed emulator while later tests run.
	DeferCleanup(w.orphanAll)
	w.createAccount("default", "mailgun-api-key", key)
	return w
}

// orphanAll deletes every object of the world without touching Mailgun.
func (w *world) orphanAll() {
	lists := managedLists()
	for _, list := range lists {
		Expect(k8s.List(ctx, list, client.InNamespace(w.ns))).To(Succeed())
		Expect(meta.EachListItem(list, func(o runtime.Object) error {
			obj := o.(v1alpha1.Managed)
			before := obj.DeepCopyObject().(client.Object)
			obj.GetManagedSpec().DeletionPolicy = v1alpha1.DeletionOrphan
			if err := k8s.Patch(ctx, obj, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
				return err
			}
			return client.IgnoreNotFound(k8s.Delete(ctx, obj))
		})).To(Succeed())
	}
	Expect(k8s.DeleteAllOf(ctx, &v1alpha1.MailgunAccount{}, client.InNamespace(w.ns))).To(Succeed())
}

func (w *world) createAccount(name, secret, key string) *v1alpha1.MailgunAccount {
	Expect(k8s.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secret, Namespace: w.ns},
		StringData: map[string]string{"api-key": key},
	})).To(Succeed())
	acct := &v1alpha1.MailgunAccount{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: w.mg.URL,
			APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: v1alpha1.SecretName(secret)}},
	}
	Expect(k8s.Create(ctx, acct)).To(Succeed())
	return acct
}

// sample reads a file of config/samples into obj, in the world's namespace.
func (w *world) sample(file string, obj client.Object) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	Expect(yaml.Unmarshal(data, obj)).To(Succeed())
	obj.SetNamespace(w.ns)
}

// get refreshes obj from the API server.
func get(obj client.Object) client.Object {
	ExpectWithOffset(1, k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	return obj
}

// conditions returns the conditions of any kind of the group.
func conditions(obj client.Object) []metav1.Condition {
	switch o := obj.(type) {
	case *v1alpha1.MailgunAccount:
		return o.Status.Conditions
	case v1alpha1.Managed:
		return o.GetManagedStatus().Conditions
	}
	return nil
}

// condition is the status and reason of one condition, "" if absent.
func condition(obj client.Object, typ string) (metav1.ConditionStatus, string) {
	c := meta.FindStatusCondition(conditions(get(obj)), typ)
	if c == nil {
		return "", ""
	}
	return c.Status, c.Reason
}

// readyReason is "True/Succeeded"-style, for Eventually(...).Should(Equal(...)).
func readyReason(obj client.Object) func() string {
	return func() string {
		s, r := condition(obj, v1alpha1.ConditionReady)
		return string(s) + "/" + r
	}
}

func stalledReason(obj client.Object) func() string {
	return func() string {
		s, r := condition(obj, v1alpha1.ConditionStalled)
		return string(s) + "/" + r
	}
}

// eventuallyReady waits for Ready=True at the object's current generation.
func eventuallyReady(obj client.Object) {
	EventuallyWithOffset(1, func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		c := meta.FindStatusCondition(conditions(obj), v1alpha1.ConditionReady)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Status).To(Equal(metav1.ConditionTrue), c.Message)
		g.Expect(c.ObservedGeneration).To(Equal(obj.GetGeneration()))
	}).Should(Succeed())
}

// createThenDelete creates the objects, waits for each to be Ready, then
// deletes them and waits for each to be gone (its finalizer done).
func createThenDelete(objs ...client.Object) {
	for _, o := range objs {
		Expect(k8s.Create(ctx, o)).To(Succeed())
	}
	for _, o := range objs {
		eventuallyReady(o)
	}
	for _, o := range objs {
		Expect(k8s.Delete(ctx, o)).To(Succeed())
	}
	for _, o := range objs {
		eventuallyGone(o)
	}
}

// eventuallyGone waits until obj no longer exists.
func eventuallyGone(obj client.Object) {
	EventuallyWithOffset(1, func() bool {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		return client.IgnoreNotFound(err) == nil && err != nil
	}).Should(BeTrue())
}

func ptr[T any](v T) *T { return &v }

// sampleWithSecrets creates the Secrets and ConfigMaps of a multi-document sample file in
// the world's namespace and reads the document of obj's kind into obj.
func (w *world) sampleWithSecrets(file, kind string, obj client.Object) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", file))
	Expect(err).NotTo(HaveOccurred())
	found := false
	for _, doc := range strings.Split(string(data), "\n---\n") {
		doc += "\n" // the separator took the document's last line break

		var head struct{ Kind string }
		Expect(yaml.Unmarshal([]byte(doc), &head)).To(Succeed())
		switch head.Kind {
		case "Secret":
			s := &corev1.Secret{}
			Expect(yaml.Unmarshal([]byte(doc), s)).To(Succeed())
			s.Namespace = w.ns
			Expect(k8s.Create(ctx, s)).To(Succeed())
		case "ConfigMap":
			cm := &corev1.ConfigMap{}
			Expect(yaml.Unmarshal([]byte(doc), cm)).To(Succeed())
			cm.Namespace = w.ns
			Expect(k8s.Create(ctx, cm)).To(Succeed())
		case kind:
			Expect(yaml.Unmarshal([]byte(doc), obj)).To(Succeed())
			obj.SetNamespace(w.ns)
			found = true
		}
	}
	Expect(found).To(BeTrue(), "%s has no %s", file, kind)
}

// createdSample creates obj, read from the sample file (with the Secrets
// and ConfigMaps beside it), and waits until the operator has created it
// in Mailgun.
func (w *world) createdSample(file, kind string, obj v1alpha1.Managed) {
	w.sampleWithSecrets(file, kind, obj)
	ExpectWithOffset(1, k8s.Create(ctx, obj)).To(Succeed())
	eventuallyReady(obj)
	ExpectWithOffset(1, obj.GetManagedStatus().Management).To(Equal(v1alpha1.ManagementCreated))
}

// updateSpec reads obj, applies change and updates it, again on a
// conflict: the operator may write the object (its status) between the
// read and the update.
func updateSpec(obj client.Object, change func()) {
	EventuallyWithOffset(1, func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		change()
		return k8s.Update(ctx, obj)
	}).Should(Succeed())
}

// createSecret makes a Secret of one key in the world's namespace.
func (w *world) createSecret(name, key, value string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns}, StringData: map[string]string{key: value}}
	Expect(k8s.Create(ctx, s)).To(Succeed())
	return s
}
