package controller

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

const tplDomain = "mg.example.com"

func newTemplate(w *world, name string, versions ...v1alpha1.TemplateVersionSpec) *v1alpha1.Template {
	return &v1alpha1.Template{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: w.ns},
		Spec: v1alpha1.TemplateSpec{Domain: tplDomain, Name: name, Versions: versions}}
}

func inlineVersion(tag, body string) v1alpha1.TemplateVersionSpec {
	return v1alpha1.TemplateVersionSpec{Tag: tag, Engine: "handlebars", Template: &body}
}

// templateView is a template as "tag=body" lines, the active one starred,
// and its description, for readable comparisons.
func templateView(w *world, name string) func() []string {
	return func() []string {
		t, ok := w.mg.Templates(tplDomain)[name]
		if !ok {
			return nil
		}
		out := []string{"description=" + t.Description}
		for _, v := range t.Versions {
			line := v.Tag + "=" + v.Body + " (" + v.Comment + ")"
			if v.Active {
				line += " *"
			}
			out = append(out, line)
		}
		return out
	}
}

func templateWrites(w *world) int {
	n := 0
	for _, op := range []mailguntest.Op{mailguntest.OpCreateTemplate, mailguntest.OpUpdateTemplate, mailguntest.OpDeleteTemplate,
		mailguntest.OpCreateTemplateVersion, mailguntest.OpUpdateTemplateVersion, mailguntest.OpDeleteTemplateVersion} {
		n += w.mg.Calls(op)
	}
	return n
}

var _ = Describe("Template", func() {
	It("creates the sample with its ConfigMap body, follows the ConfigMap, and writes nothing while in sync", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: tplDomain})
		t := &v1alpha1.Template{}
		w.createdSample("mailgun_v1alpha1_template.yaml", "Template", t)
		Expect(t.Status.Active).To(Equal("v2"))
		Expect(t.Status.Versions).To(HaveLen(2))
		for _, v := range t.Status.Versions {
			Expect(v.BodyHash).To(HaveLen(64))
		}
		got := w.mg.Templates(tplDomain)["welcome"]
		Expect(got.Description).To(Equal("Sent when an account is created"))
		Expect(got.Versions).To(HaveLen(2))
		Expect(templateView(w, "welcome")()).To(ContainElement(ContainSubstring("v2=<h1>Welcome, {{name}}!</h1>\n<p>Your account at {{site}} is ready.</p>\n (with the site name) *")))

		writes := templateWrites(w)
		Consistently(func() int { return templateWrites(w) }).WithTimeout(testOpts.SyncPeriod + 2*time.Second).Should(Equal(writes))

		cm := &corev1.ConfigMap{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: w.ns, Name: "welcome-email"}, cm)).To(Succeed())
		cm.Data["v2.html"] = "<h1>Hello again</h1>"
		Expect(k8s.Update(ctx, cm)).To(Succeed())
		Eventually(templateView(w, "welcome")).Should(ContainElement("v2=<h1>Hello again</h1> (with the site name) *"))

		Expect(k8s.Delete(ctx, t)).To(Succeed())
		eventuallyGone(t)
		Expect(w.mg.Templates(tplDomain)).To(BeEmpty())
	})

	It("corrects drift in bodies, comments, the active version and the description, and sends a spec change", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: tplDomain})
		a := inlineVersion("a", "A")
		a.Comment = ptr("ca")
		t := newTemplate(w, "drift", a, inlineVersion("b", "B"))
		t.Spec.Description, t.Spec.Active = ptr("d"), "a"
		Expect(k8s.Create(ctx, t)).To(Succeed())
		eventuallyReady(t)
		want := []string{"description=d", "a=A (ca) *", "b=B ()"}
		Expect(templateView(w, "drift")()).To(Equal(want))

		// b declares no comment: the console's stays.
		w.mg.PutTemplate(tplDomain, mailguntest.Template{Name: "drift", Description: "changed", Versions: []mailguntest.TemplateVersion{
			{Tag: "a", Body: "hacked", Comment: "x"}, {Tag: "b", Body: "B", Comment: "console", Active: true}}})
		want = []string{"description=d", "a=A (ca) *", "b=B (console)"}
		Eventually(templateView(w, "drift")).Should(Equal(want))

		get(t)
		t.Spec.Versions[1].Template = ptr("B2")
		t.Spec.Versions = append(t.Spec.Versions, inlineVersion("c", "C"))
		t.Spec.Active = "c"
		Expect(k8s.Update(ctx, t)).To(Succeed())
		Eventually(templateView(w, "drift")).Should(Equal([]string{"description=d", "a=A (ca)", "b=B2 (console)", "c=C () *"}))
		eventuallyReady(t)
	})

	It("adopts an existing template, leaves versions not in the spec unless pruneVersions, and leaves it on deletion", func() {
		w := newWorld()
		w.mg.PutTemplate(tplDomain, mailguntest.Template{Name: "legacy", Description: "console's", Versions: []mailguntest.TemplateVersion{
			{Tag: "old", Body: "console", Active: true}, {Tag: "v1", Body: "v1 from the console"}}})
		t := newTemplate(w, "legacy", inlineVersion("v1", "V1"))
		Expect(k8s.Create(ctx, t)).To(Succeed())
		eventuallyReady(t)
		Expect(t.Status.Management).To(Equal(v1alpha1.ManagementAdopted))
		Expect(t.Status.VersionCount).To(Equal(int32(2)))
		// No description in the spec: the adopted template keeps its own.
		Expect(templateView(w, "legacy")()).To(Equal([]string{"description=console's", "old=console () *", "v1=V1 ()"}))

		get(t)
		t.Spec.PruneVersions, t.Spec.Active = true, "v1"
		Expect(k8s.Update(ctx, t)).To(Succeed())
		Eventually(templateView(w, "legacy")).Should(Equal([]string{"description=console's", "v1=V1 () *"}))

		Expect(k8s.Delete(ctx, t)).To(Succeed())
		eventuallyGone(t)
		Expect(templateView(w, "legacy")()).To(Equal([]string{"description=console's", "v1=V1 () *"}))
	})

	It("stops before exceeding Mailgun's 40 versions, saying what to do", func() {
		w := newWorld()
		var vs []mailguntest.TemplateVersion
		for i := range 40 {
			vs = append(vs, mailguntest.TemplateVersion{Tag: "c" + string(rune('a'+i/26)) + string(rune('a'+i%26)), Body: "x"})
		}
		w.mg.PutTemplate(tplDomain, mailguntest.Template{Name: "full", Versions: vs})
		t := newTemplate(w, "full", inlineVersion("mine", "M"))
		Expect(k8s.Create(ctx, t)).To(Succeed())
		Eventually(stalledReason(t)).Should(Equal("True/" + ReasonInvalidSpec))
		Expect(readyMessage(t)).To(ContainSubstring("set pruneVersions: true"))
		Expect(w.mg.Calls(mailguntest.OpCreateTemplateVersion)).To(BeZero())

		// At the cap, pruning makes the room before the create; the
		// active version (caa) goes last, once the new one is active.
		get(t)
		t.Spec.PruneVersions = true
		Expect(k8s.Update(ctx, t)).To(Succeed())
		eventuallyReady(t)
		Expect(templateView(w, "full")()).To(Equal([]string{"description=", "mine=M () *"}))
		Expect(t.Status.Active).To(Equal("mine"))
	})

	It("never prunes the active version before another is active", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: tplDomain})
		t := newTemplate(w, "moving", inlineVersion("v1", "one"))
		t.Spec.PruneVersions = true
		Expect(k8s.Create(ctx, t)).To(Succeed())
		eventuallyReady(t)
		Expect(templateView(w, "moving")()).To(Equal([]string{"description=", "v1=one () *"}))

		// v1 (active) leaves the spec, no spec.active: the last version of
		// the spec is made active, then v1 goes.
		get(t)
		t.Spec.Versions = []v1alpha1.TemplateVersionSpec{inlineVersion("v2", "two"), inlineVersion("v3", "three")}
		Expect(k8s.Update(ctx, t)).To(Succeed())
		Eventually(templateView(w, "moving")).Should(Equal([]string{"description=", "v2=two ()", "v3=three () *"}))
		eventuallyReady(t)
		Expect(t.Status.Active).To(Equal("v3"))
	})

	It("waits for its ConfigMap and for its domain", func() {
		w := newWorld()
		t := newTemplate(w, "later", v1alpha1.TemplateVersionSpec{Tag: "v1", Engine: "handlebars",
			TemplateFrom: &v1alpha1.TemplateSource{ConfigMapKeyRef: v1alpha1.ConfigMapKeyReference{Name: "bodies", Key: "v1"}}})
		Expect(k8s.Create(ctx, t)).To(Succeed())
		Eventually(stalledReason(t)).Should(Equal("True/" + ReasonConfigMapNotFound))
		Expect(k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bodies", Namespace: w.ns},
			Data: map[string]string{"v1": "<p>late</p>"}})).To(Succeed())
		Eventually(readyReason(t)).Should(Equal("False/" + ReasonDomainNotFound))
		w.mg.PutDomain(mailguntest.Domain{Name: tplDomain})
		eventuallyReady(t)
		Expect(templateView(w, "later")()).To(Equal([]string{"description=", "v1=<p>late</p> () *"}))
	})

	It("deletes a template it made, and keeps one with deletionPolicy: Orphan", func() {
		w := newWorld()
		w.mg.PutDomain(mailguntest.Domain{Name: tplDomain})
		gone := newTemplate(w, "gone", inlineVersion("v1", "G"))
		kept := newTemplate(w, "kept", inlineVersion("v1", "K"))
		kept.Spec.DeletionPolicy = v1alpha1.DeletionOrphan
		createThenDelete(gone, kept)
		Expect(w.mg.Templates(tplDomain)).To(HaveLen(1))
		Expect(w.mg.Templates(tplDomain)).To(HaveKey("kept"))
	})
})
