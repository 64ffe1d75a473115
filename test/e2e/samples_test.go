package e2e

import (
	"regexp"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("The samples", func() {
	It("become Ready with kubectl apply -k and leave Mailgun with kubectl delete -k", func() {
		e := newEnv("samples")
		e.startManager("manager")
		dir := e.samples()

		By("applying them; the Webhook waits for the MailgunDomain's domain")
		kubectl("apply", "-k", dir, "-n", e.ns)
		kubectl("wait", "--for=condition=Ready", sampleKinds, "--all",
			"-n", e.ns, "--timeout=120s")

		By("listing every one in the mailgun category")
		out := kubectl("get", "mailgun", "-A")
		for _, name := range []string{
			"mailgunaccount.mailgun.operator.dev/default",
			"mailgundomain.mailgun.operator.dev/mg-example-com",
			"webhook.mailgun.operator.dev/mg-example-com-delivered",
			"route.mailgun.operator.dev/support-inbox",
			"smtpcredential.mailgun.operator.dev/alerts-mg-example-com",
			"template.mailgun.operator.dev/welcome-mg-example-com",
			"mailinglist.mailgun.operator.dev/devs-mg-example-com",
		} {
			Expect(out).To(MatchRegexp(`(?m)^%s\s+%s\s`, regexp.QuoteMeta(e.ns), regexp.QuoteMeta(name)))
		}

		By("saying, without external-dns's CRD installed here, that the domain's DNS is not published, while it stays Ready")
		Eventually(func() string {
			return kubectl("get", "mailgundomain", "mg-example-com", "-n", e.ns, "-o",
				`jsonpath={.status.conditions[?(@.type=="DNSPublished")].reason}`)
		}).WithTimeout(60 * time.Second).Should(Equal("DNSEndpointCRDMissing"))

		By("finding them in Mailgun")
		st := e.state()
		Expect(st.Domains).To(ConsistOf(HaveField("Name", "mg.example.com")))
		Expect(st.Webhooks).To(Equal(map[string]map[string][]string{
			"mg.example.com": {"delivered": {"https://hooks.example.com/mailgun/delivered"}},
		}))
		Expect(st.Routes).To(ConsistOf(HaveField("Expression", `match_recipient("support@mg.example.com")`)))

		By("deleting everything at once with kubectl delete -k")
		// kubectl deletes the Secret and the account first; the account's
		// finalizer holds it until the objects using it are gone, and they
		// delete themselves from Mailgun with the key last read.
		kubectl("delete", "-k", dir, "-n", e.ns, "--timeout=120s")
		Expect(kubectl("get", "mailgun", "-n", e.ns, "-o", "name")).To(BeEmpty())
		Eventually(e.state).WithTimeout(30 * time.Second).Should(And(
			HaveField("Domains", BeEmpty()),
			HaveField("Webhooks", BeEmpty()),
			HaveField("Routes", BeEmpty()),
		))
	})
})
