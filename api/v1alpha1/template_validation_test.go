package v1alpha1_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

var _ = Describe("Template admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	body := func(s string) *string { return &s }
	tpl := func(name string, versions ...v1alpha1.TemplateVersionSpec) *v1alpha1.Template {
		return &v1alpha1.Template{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.TemplateSpec{Domain: "mg.example.com", Name: name, Versions: versions}}
	}
	inline := func(tag string) v1alpha1.TemplateVersionSpec {
		return v1alpha1.TemplateVersionSpec{Tag: tag, Template: body("<p>" + tag + "</p>")}
	}

	It("defaults the engine to handlebars", func() {
		t := tpl("ok", inline("v1"))
		Expect(k8s.Create(ctx, t)).To(Succeed())
		Expect(t.Spec.Versions[0].Engine).To(Equal(v1alpha1.TemplateEngine("handlebars")))
	})

	DescribeTable("refuses bad input with a message that says what to fix",
		func(t *v1alpha1.Template, message string) {
			t.Namespace = ns
			err := k8s.Create(ctx, t)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(message))
		},
		Entry("more than 40 versions", func() *v1alpha1.Template {
			t := tpl("many")
			for i := range 41 {
				t.Spec.Versions = append(t.Spec.Versions, inline(fmt.Sprintf("v%d", i)))
			}
			return t
		}(), "Too many: 41: must have at most 40 items"),
		Entry("no version", tpl("none"), "spec.versions"),
		Entry("an upper-case name", tpl("Welcome", inline("v1")), "name may contain only lower-case letters"),
		Entry("an upper-case domain", func() *v1alpha1.Template {
			t := tpl("upperdomain", inline("v1"))
			t.Spec.Domain = "MG.example.com"
			return t
		}(), "domain must be lower-case"),
		Entry("a tag with a space", tpl("tag", v1alpha1.TemplateVersionSpec{Tag: "v 1", Template: body("x")}), "tag may contain only"),
		Entry("both bodies", tpl("both", v1alpha1.TemplateVersionSpec{Tag: "v1", Template: body("x"),
			TemplateFrom: &v1alpha1.TemplateSource{ConfigMapKeyRef: v1alpha1.ConfigMapKeyReference{Name: "cm", Key: "k"}}}),
			"set exactly one of template"),
		Entry("no body", tpl("nobody", v1alpha1.TemplateVersionSpec{Tag: "v1"}), "set exactly one of template"),
		Entry("an unknown engine", tpl("engine", v1alpha1.TemplateVersionSpec{Tag: "v1", Template: body("x"), Engine: "mustache"}),
			`supported values: "handlebars", "go"`),
		Entry("two versions of one tag", tpl("dup", inline("v1"), inline("v1")), "Duplicate value"),
		Entry("an active tag that is not a version", func() *v1alpha1.Template {
			t := tpl("active", inline("v1"))
			t.Spec.Active = "v2"
			return t
		}(), "active must be the tag of one of spec.versions"),
	)

	It("keeps the name, the domain and each version's engine immutable", func() {
		t := tpl("imm", inline("v1"))
		Expect(k8s.Create(ctx, t)).To(Succeed())
		t.Spec.Versions[0].Engine = "go"
		Expect(k8s.Update(ctx, t)).To(MatchError(ContainSubstring("the engine of a version cannot change")))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(t), t)).To(Succeed())
		t.Spec.Name = "other"
		Expect(k8s.Update(ctx, t)).To(MatchError(ContainSubstring("name is immutable")))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(t), t)).To(Succeed())
		// A new version with another engine is fine.
		t.Spec.Versions = append(t.Spec.Versions, v1alpha1.TemplateVersionSpec{Tag: "v2", Engine: "go", Template: body("{{.x}}")})
		Expect(k8s.Update(ctx, t)).To(Succeed())
	})
})
