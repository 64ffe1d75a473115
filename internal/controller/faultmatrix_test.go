package controller

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// The fault matrix (issue 10, item 8; docs/reliability.md shows its
// measured outcome): every Mailgun fault the operator must survive, during
// every operation, for every kind. Each cell is a world of its own (its
// namespace, its emulator, its account with a key of its own, so that a 429
// pausing one key pauses no other cell) holding two objects of the kind:
// one the operator creates ("made") and one it adopts from Mailgun
// ("adopted"). A cell passes when, after the fault:
//
//   - both objects end Ready at their generation (or are gone, for delete),
//     made Created and adopted Adopted, and stay so until the fault's
//     window is over plus one sync period;
//   - Mailgun holds exactly the made object (once: no duplicate) and the
//     adopted one as their specs say, and after a delete no made object (no
//     leftover) and still the adopted one (never deleted);
//   - the faulted operation was called a bounded number of times, and all
//     calls stay under a bound that only a hot loop would break.
//
// Cells run in parallel, so the matrix lasts about as long as its slowest
// cell (the 401 incident). The summary table is printed on stdout:
//
//	go test ./internal/controller -run TestControllers -v -ginkgo.focus 'fault matrix'
//
// MATRIX_KINDS (a comma-separated list of kind names) limits it to some rows.

const (
	matrixCreate = "create"
	matrixUpdate = "update"
	matrixDelete = "delete"
	// matrixWebhookDomain is the Mailgun domain the webhook cells use.
	matrixWebhookDomain = "mg.example.com"
)

var matrixOps = []string{matrixCreate, matrixUpdate, matrixDelete}

// matrixFault is one column of the matrix.
type matrixFault struct {
	name string
	// before acts when the world is made, before any object exists: for
	// faults that follow the objects' creation.
	before func(c *cell)
	// at starts the fault as the operation starts; op is the Mailgun write
	// the operation makes. It returns when the fault's effects end (zero:
	// they end with the calls it spoils).
	at func(c *cell, op mailguntest.Op) time.Time
	// spoils is how many calls of the operation the fault may spoil,
	// counted in the bound on the operation's calls.
	spoils int
}

var matrixFaults = []matrixFault{
	{name: "5xx ×2", spoils: 2, at: func(c *cell, op mailguntest.Op) time.Time {
		c.w.mg.InjectFault(op, mailguntest.Fault{Status: 503, Times: 2})
		return time.Time{}
	}},
	{name: "429 with reset", spoils: 1, at: func(c *cell, op mailguntest.Op) time.Time {
		reset := time.Now().Add(3 * time.Second)
		c.w.mg.InjectFault(op, mailguntest.Fault{RateLimitReset: reset})
		return reset
	}},
	{name: "timeout after the write", spoils: 1, at: func(c *cell, op mailguntest.Op) time.Time {
		// The emulator makes the write, then holds the answer until the
		// client gives up: the write happened, the client never hears of it.
		c.w.mg.InjectFault(op, mailguntest.Fault{AfterApply: true, Delay: time.Minute})
		return time.Time{}
	}},
	{name: "connection reset", spoils: 1, at: func(c *cell, op mailguntest.Op) time.Time {
		c.w.mg.InjectFault(op, mailguntest.Fault{DropConnection: true})
		return time.Time{}
	}},
	{name: "404 for 10 s after create", spoils: 2,
		before: func(c *cell) { c.w.mg.SetNotFoundAfterCreate(10 * time.Second) },
		at: func(c *cell, _ mailguntest.Op) time.Time {
			// The window runs from each object's create: at the latest from
			// now for create, from setup (earlier) for update and delete.
			return time.Now().Add(10 * time.Second)
		}},
	{name: "401 for 20 s", spoils: 10, at: func(c *cell, _ mailguntest.Op) time.Time {
		// An incident on Mailgun's side: every call is refused, then the
		// same key works again. Nothing in the cluster changes.
		c.w.mg.SetAPIKey("key-revoked-during-the-incident")
		c.timers = append(c.timers, time.AfterFunc(20*time.Second, func() { c.w.mg.SetAPIKey(c.key) }))
		return time.Now().Add(20 * time.Second)
	}},
}

// matrixKind is one kind of the matrix.
type matrixKind struct {
	name string
	// setup puts what the kind needs in Mailgun: the adopted object, the
	// domain of the webhooks. For the create operation the adopted object
	// is made through the API just before (someone's fresh domain or route,
	// so a 404 window after create hides it too); for update and delete it
	// has been there for long.
	setup         func(c *cell)
	made, adopted func(c *cell) client.Object
	// change is the update the update operation applies to both objects.
	change func(obj client.Object)
	// write is the Mailgun call each operation makes, which the fault hits.
	write map[string]mailguntest.Op
	// check says what Mailgun must hold: made is nil once it is deleted.
	check func(g Gomega, c *cell, made, adopted client.Object)
}

var matrixKinds = []matrixKind{
	{
		name: "MailgunDomain",
		setup: func(c *cell) {
			for _, d := range []string{"made.example.com", "adopted.example.com"} {
				c.w.mg.SetDNSValid(d, true) // no DNS re-checks: fewer calls, the same paths
			}
			if c.op != matrixCreate {
				c.w.mg.PutDomain(mailguntest.Domain{Name: "adopted.example.com", State: "active", SpamAction: "disabled"})
				return
			}
			_, err := mgClient.CreateDomain(ctx, c.account(), mailgun.CreateDomainRequest{Name: "adopted.example.com", SpamAction: "disabled"})
			Expect(err).NotTo(HaveOccurred())
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.MailgunDomainSpec{DomainName: "made.example.com", SpamAction: "disabled"}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.MailgunDomainSpec{DomainName: "adopted.example.com", SpamAction: "block"}}
		},
		change: func(obj client.Object) { obj.(*v1alpha1.MailgunDomain).Spec.SpamAction = "tag" },
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateDomain,
			matrixUpdate: mailguntest.OpUpdateDomain, matrixDelete: mailguntest.OpDeleteDomain},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			want := map[string]string{} // name -> spam action
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					d := o.(*v1alpha1.MailgunDomain)
					want[d.Spec.DomainName] = d.Spec.SpamAction
				}
			}
			got := map[string]string{}
			for _, d := range c.w.mg.Domains() {
				got[d.Name] = d.SpamAction
			}
			g.Expect(got).To(Equal(want), "Mailgun's domains (name: spam action)")
		},
	},
	{
		name: "Webhook",
		setup: func(c *cell) {
			c.w.mg.PutDomain(mailguntest.Domain{Name: matrixWebhookDomain, State: "active"})
			c.w.mg.PutWebhook(matrixWebhookDomain, "opened", []string{"https://old.example.com/opened"})
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.WebhookSpec{Domain: matrixWebhookDomain, Event: "clicked",
					URLs: []v1alpha1.WebhookURL{"https://hooks.example.com/clicked"}}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.WebhookSpec{Domain: matrixWebhookDomain, Event: "opened",
					URLs: []v1alpha1.WebhookURL{"https://hooks.example.com/opened"}}}
		},
		change: func(obj client.Object) {
			wh := obj.(*v1alpha1.Webhook)
			wh.Spec.URLs = []v1alpha1.WebhookURL{wh.Spec.URLs[0] + "/v2"}
		},
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateWebhook,
			matrixUpdate: mailguntest.OpUpdateWebhook, matrixDelete: mailguntest.OpDeleteWebhook},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			want := map[string][]string{}
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					wh := o.(*v1alpha1.Webhook)
					want[string(wh.Spec.Event)] = webhookURLs(wh)
				}
			}
			g.Expect(c.w.mg.Webhooks(matrixWebhookDomain)).To(Equal(want), "Mailgun's webhooks (event: URLs)")
		},
	},
	{
		name: "Route",
		setup: func(c *cell) {
			if c.op != matrixCreate {
				c.adoptedRouteID = c.w.mg.PutRoute(mailguntest.Route{Priority: 5, Description: "made by hand",
					Expression: `match_recipient("adopted@mg.example.com")`, Actions: []string{"stop()"}})
				return
			}
			rt, err := mgClient.CreateRoute(ctx, c.account(), mailgun.RouteRequest{Priority: ptr(5), Description: ptr("made by hand"),
				Expression: ptr(`match_recipient("adopted@mg.example.com")`), Actions: []string{"stop()"}})
			Expect(err).NotTo(HaveOccurred())
			c.adoptedRouteID = rt.ID
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.RouteSpec{Priority: 1, Expression: `match_recipient("made@mg.example.com")`,
					Actions: []v1alpha1.RouteAction{`forward("https://example.com/in")`, "stop()"}}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.RouteSpec{RouteID: c.adoptedRouteID, Priority: 6, Description: "adopted",
					Expression: `match_recipient("adopted@mg.example.com")`, Actions: []v1alpha1.RouteAction{"stop()"}}}
		},
		change: func(obj client.Object) { obj.(*v1alpha1.Route).Spec.Priority += 10 },
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateRoute,
			matrixUpdate: mailguntest.OpUpdateRoute, matrixDelete: mailguntest.OpDeleteRoute},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			// One line per route, so that a failure lists them readably.
			view := func(id string, priority int, description, expression string, actions []string) string {
				return fmt.Sprintf("%d %q %s %v adopted=%v", priority, description, expression, actions, id == c.adoptedRouteID)
			}
			want := []string{}
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					r := o.(*v1alpha1.Route)
					id := ""
					if o == adopted {
						id = c.adoptedRouteID
					}
					want = append(want, view(id, int(r.Spec.Priority), routeDescription(r), r.Spec.Expression, routeActions(r)))
				}
			}
			got := []string{}
			for _, rt := range c.w.mg.Routes() {
				got = append(got, view(rt.ID, rt.Priority, rt.Description, rt.Expression, rt.Actions))
			}
			g.Expect(got).To(ConsistOf(want), "Mailgun's routes")
		},
	},
	{
		name: "SMTPCredential",
		setup: func(c *cell) {
			for name, pwd := range map[string]string{"made-pw": "made-pass-1", "made-pw-v2": "made-pass-2",
				"adopted-pw": "adopted-pass-1", "adopted-pw-v2": "adopted-pass-2"} {
				c.w.createSecret(name, "password", pwd)
			}
			if c.op != matrixCreate {
				c.w.mg.PutCredential(matrixWebhookDomain, "adopted@"+matrixWebhookDomain, "console-pass")
				return
			}
			c.w.mg.PutDomain(mailguntest.Domain{Name: matrixWebhookDomain, State: "active"})
			Expect(mgClient.CreateCredential(ctx, c.account(), matrixWebhookDomain, "adopted", "console-pass")).To(Succeed())
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.SMTPCredentialSpec{Domain: matrixWebhookDomain, Login: "made",
					PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "made-pw"}}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.SMTPCredentialSpec{Domain: matrixWebhookDomain, Login: "adopted", Adopt: true,
					PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "adopted-pw"}}}
		},
		// Another Secret: a password rotation.
		change: func(obj client.Object) {
			ref := &obj.(*v1alpha1.SMTPCredential).Spec.PasswordSecretRef
			ref.Name += "-v2"
		},
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateCredential,
			matrixUpdate: mailguntest.OpUpdateCredential, matrixDelete: mailguntest.OpDeleteCredential},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			want := map[string]string{} // login -> password
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					cr := o.(*v1alpha1.SMTPCredential)
					pwd := map[v1alpha1.SecretName]string{"made-pw": "made-pass-1", "made-pw-v2": "made-pass-2",
						"adopted-pw": "adopted-pass-1", "adopted-pw-v2": "adopted-pass-2"}[cr.Spec.PasswordSecretRef.Name]
					want[cr.Spec.FullLogin()] = pwd
				}
			}
			d, _ := c.w.mg.Domain(matrixWebhookDomain)
			g.Expect(d.Credentials).To(Equal(want), "Mailgun's logins (login: password)")
		},
	},
	{
		name: "Template",
		setup: func(c *cell) {
			if c.op != matrixCreate {
				c.w.mg.PutTemplate(matrixWebhookDomain, mailguntest.Template{Name: "adopted",
					Versions: []mailguntest.TemplateVersion{{Tag: "v1", Body: "console", Active: true}}})
				return
			}
			c.w.mg.PutDomain(mailguntest.Domain{Name: matrixWebhookDomain, State: "active"})
			_, err := mgClient.CreateTemplate(ctx, c.account(), matrixWebhookDomain, mailgun.CreateTemplateRequest{Name: "adopted",
				Version: &mailgun.TemplateVersion{Tag: "v1", Body: "console"}})
			Expect(err).NotTo(HaveOccurred())
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.Template{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.TemplateSpec{Domain: matrixWebhookDomain, Name: "made", Description: ptr("made here"),
					Versions: []v1alpha1.TemplateVersionSpec{{Tag: "v1", Engine: "handlebars", Template: ptr("<p>made</p>")}}}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.Template{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.TemplateSpec{Domain: matrixWebhookDomain, Name: "adopted",
					Versions: []v1alpha1.TemplateVersionSpec{{Tag: "v1", Engine: "handlebars", Template: ptr("<p>adopted</p>")}}}}
		},
		// A new body of the one version.
		change: func(obj client.Object) {
			v := &obj.(*v1alpha1.Template).Spec.Versions[0]
			v.Template = ptr(*v.Template + "!")
		},
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateTemplate,
			matrixUpdate: mailguntest.OpUpdateTemplateVersion, matrixDelete: mailguntest.OpDeleteTemplate},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			view := func(description string, vs []string) string { return description + " " + strings.Join(vs, ",") }
			want := map[string]string{}
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					t := o.(*v1alpha1.Template)
					want[t.Spec.Name] = view(deref(t.Spec.Description), []string{"v1=" + *t.Spec.Versions[0].Template + "*"})
				}
			}
			got := map[string]string{}
			for name, t := range c.w.mg.Templates(matrixWebhookDomain) {
				var vs []string
				for _, v := range t.Versions {
					line := v.Tag + "=" + v.Body
					if v.Active {
						line += "*"
					}
					vs = append(vs, line)
				}
				got[name] = view(t.Description, vs)
			}
			g.Expect(got).To(Equal(want), "Mailgun's templates (name: description versions)")
		},
	},
	{
		name: "MailingList",
		setup: func(c *cell) {
			if c.op != matrixCreate {
				c.w.mg.PutList(mailguntest.MailingList{Address: "adopted@" + matrixWebhookDomain, Name: "console",
					Members: map[string]mailguntest.Member{"x": {Address: "signup@example.com", Subscribed: true}}})
				return
			}
			_, err := mgClient.CreateList(ctx, c.account(), mailgun.ListRequest{Address: "adopted@" + matrixWebhookDomain, Name: ptr("console")})
			Expect(err).NotTo(HaveOccurred())
			Expect(mgClient.AddMembers(ctx, c.account(), "adopted@"+matrixWebhookDomain,
				[]mailgun.Member{{Address: "signup@example.com", Subscribed: true}})).To(Succeed())
		},
		made: func(c *cell) client.Object {
			return &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "made", Namespace: c.w.ns},
				Spec: v1alpha1.MailingListSpec{Address: "made@" + matrixWebhookDomain, Name: ptr("made"),
					Members: []v1alpha1.ListMember{{Address: "ann@example.com", Name: "Ann", Subscribed: ptr(true)}}}}
		},
		adopted: func(c *cell) client.Object {
			return &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "adopted", Namespace: c.w.ns},
				Spec: v1alpha1.MailingListSpec{Address: "adopted@" + matrixWebhookDomain, Name: ptr("adopted"),
					Members: []v1alpha1.ListMember{{Address: "bob@example.com", Subscribed: ptr(true)}}}}
		},
		// A new name: the list's own update.
		change: func(obj client.Object) {
			l := obj.(*v1alpha1.MailingList)
			l.Spec.Name = ptr(*l.Spec.Name + " v2")
		},
		write: map[string]mailguntest.Op{matrixCreate: mailguntest.OpCreateList,
			matrixUpdate: mailguntest.OpUpdateList, matrixDelete: mailguntest.OpDeleteList},
		check: func(g Gomega, c *cell, made, adopted client.Object) {
			// The adopted list keeps the member that signed up elsewhere.
			want := map[string]string{}
			for _, o := range []client.Object{made, adopted} {
				if o != nil {
					l := o.(*v1alpha1.MailingList)
					addrs := []string{}
					if o == adopted {
						addrs = append(addrs, "signup@example.com")
					}
					for _, m := range l.Spec.Members {
						addrs = append(addrs, m.Address)
					}
					slices.Sort(addrs)
					want[l.Spec.Address] = *l.Spec.Name + " " + strings.Join(addrs, ",")
				}
			}
			got := map[string]string{}
			for addr, l := range c.w.mg.Lists() {
				addrs := []string{}
				for a := range l.Members {
					addrs = append(addrs, a)
				}
				slices.Sort(addrs)
				got[addr] = l.Name + " " + strings.Join(addrs, ",")
			}
			g.Expect(got).To(Equal(want), "Mailgun's lists (address: name members)")
		},
	},
}

// cell is one run of the matrix and what it measured.
type cell struct {
	kind  *matrixKind
	fault *matrixFault
	op    string
	key   string
	w     *world

	adoptedRouteID string
	timers         []*time.Timer

	failure string
	flap    string        // why an object left Ready after it healed, if it did
	healed  time.Duration // from the fault to the end state
	calls   int           // Mailgun calls from the fault to the end state
	opCalls int           // of which the faulted write
	settled int           // all calls, to the end of the settling period
}

// account is the cell's Mailgun account, for calls the test makes itself.
func (c *cell) account() mailgun.Account {
	a, err := mailgun.NewAccount(c.w.mg.URL, c.key)
	Expect(err).NotTo(HaveOccurred())
	return a
}

// cellFailure is how a cell's Gomega stops the cell.
type cellFailure string

var _ = Describe("The fault matrix", Label("faultmatrix"), func() {
	It("ends every cell Ready or deleted, without duplicates, leftovers or deleted adoptions", func() {
		var cells []*cell
		// MATRIX_KINDS=Route,Webhook runs only those rows, while working
		// on one kind; unset runs every kind.
		only := os.Getenv("MATRIX_KINDS")
		for ki := range matrixKinds {
			if only != "" && !slices.Contains(strings.Split(only, ","), matrixKinds[ki].name) {
				continue
			}
			for _, op := range matrixOps {
				for fi := range matrixFaults {
					c := &cell{kind: &matrixKinds[ki], fault: &matrixFaults[fi], op: op,
						key: fmt.Sprintf("key-matrix-%d-%s-%d", ki, op, fi)}
					c.w = newWorldWithKey(c.key)
					if c.fault.before != nil {
						c.fault.before(c)
					}
					c.kind.setup(c)
					cells = append(cells, c)
				}
			}
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, c := range cells {
			wg.Go(c.run)
		}
		wg.Wait()
		wall := time.Since(start)

		table := matrixTable(cells, wall)
		_, _ = fmt.Fprint(os.Stdout, table)
		_, _ = fmt.Fprint(GinkgoWriter, table)
		var failed []string
		for _, c := range cells {
			if c.failure != "" {
				GinkgoWriter.Printf("===== %s / %s / %s =====\n%s\n", c.kind.name, c.op, c.fault.name, c.failure)
			}
		}
		for _, c := range cells {
			if c.failure != "" {
				failed = append(failed, fmt.Sprintf("%s / %s / %s:\n%s", c.kind.name, c.op, c.fault.name, c.failure))
			}
		}
		Expect(failed).To(BeEmpty(), "%d of %d cells failed", len(failed), len(cells))
	})
})

// run plays one cell; a failure is recorded in c.failure, never panics out.
func (c *cell) run() {
	defer func() {
		for _, t := range c.timers {
			t.Stop()
		}
		if r := recover(); r != nil {
			if f, ok := r.(cellFailure); ok {
				c.failure = string(f)
			} else {
				c.failure = fmt.Sprint(r)
			}
		}
	}()
	g := NewGomega(func(message string, _ ...int) { panic(cellFailure(message)) })
	made, adopted := c.kind.made(c), c.kind.adopted(c)
	objs := []client.Object{made, adopted}

	if c.op != matrixCreate {
		for _, o := range objs {
			g.Expect(k8s.Create(ctx, o)).To(Succeed())
		}
		c.waitSettled(g, objs, cellPatience, "before the fault")
	}

	c.w.mg.ResetCalls()
	t0 := time.Now()
	windowEnd := c.fault.at(c, c.kind.write[c.op])
	switch c.op {
	case matrixCreate:
		for _, o := range objs {
			g.Expect(k8s.Create(ctx, o)).To(Succeed())
		}
	case matrixUpdate:
		for _, o := range objs {
			g.Eventually(func() error {
				if err := k8s.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
					return err
				}
				c.kind.change(o)
				return k8s.Update(ctx, o)
			}).Should(Succeed())
		}
	case matrixDelete:
		for _, o := range objs {
			g.Expect(k8s.Delete(ctx, o)).To(Succeed())
		}
	}

	// An incident's objects can only heal once it is over.
	// (A fault counted in calls has no window: windowEnd is then the zero
	// time, and a negative timeout made Gomega fall back to its 30 s
	// default. The cell gets its whole patience after the change.)
	timeout := cellPatience + max(0, time.Until(windowEnd))
	if c.op == matrixDelete {
		c.waitDeleted(g, objs, made, adopted, timeout)
	} else {
		c.waitSettled(g, objs, timeout, "after the fault")
	}
	c.healed = time.Since(t0)
	c.calls = c.w.mg.TotalCalls()
	c.opCalls = c.w.mg.Calls(c.kind.write[c.op])

	// Hold until the fault's window is over and one more sync period has
	// run its drift checks: Mailgun must keep exactly the right objects all
	// along (a late duplicate or deletion shows here). An object that goes
	// out of Ready meanwhile is recorded as a flap, not a failure; it must
	// be Ready again at the end.
	hold := max(time.Until(windowEnd), 0) + testOpts.SyncPeriod + time.Second
	g.Consistently(func(g Gomega) {
		if c.op == matrixDelete {
			c.kind.check(g, c, nil, adopted)
			return
		}
		c.kind.check(g, c, made, adopted)
		if why := c.unsettled(objs); why != "" && c.flap == "" {
			c.flap = why
		}
	}).WithTimeout(hold).WithPolling(250*time.Millisecond).Should(Succeed(), "holding")
	if c.op != matrixDelete {
		c.waitSettled(g, objs, cellPatience, "at the end")
		g.Consistently(func(g Gomega) {
			c.expectSettled(g, objs)
		}).WithTimeout(2*time.Second).WithPolling(250*time.Millisecond).Should(Succeed(), "at the end")
	}
	c.settled = c.w.mg.TotalCalls()

	// No duplicate, however short-lived: the operator made exactly the one
	// object the cell needed (the made one, on create), never a second.
	wantMade := 0
	if c.op == matrixCreate {
		wantMade = 1
	}
	g.Expect(c.w.mg.Succeeded(c.kind.write[matrixCreate])).To(Equal(wantMade),
		"successful %s calls: Mailgun objects made during the cell", c.kind.write[matrixCreate])

	// The faulted write: once per object it concerns, plus the calls the
	// fault spoiled, plus one more (a retry of the write the fault hit).
	g.Expect(c.opCalls).To(BeNumerically("<=", len(objs)+c.fault.spoils+1),
		"calls of %s", c.kind.write[c.op])
	// Everything: a few calls per object and sync period is the steady
	// state; anything near a call per object per 100 ms is a hot loop.
	elapsed := time.Since(t0).Seconds()
	g.Expect(c.settled).To(BeNumerically("<=", 20+int(3*elapsed)), "Mailgun calls in %.0fs", elapsed)
}

// cellPatience bounds each of a cell's waits. A cell heals in 4-25 s when
// the suite runs alone; the 108 cells run at once, and on a 2-core machine
// shared with a compile one took over 30 s of its 45 (an SMTP login created
// after two 503s: two creates, each followed by the create grace and a
// search). Eventually returns as soon as the cell settles, so the margin
// costs a passing run nothing; a cell that never heals still fails.
const cellPatience = 90 * time.Second

// waitSettled waits until both objects are Ready at their generation with
// the right ownership and Mailgun holds exactly what they say.
func (c *cell) waitSettled(g Gomega, objs []client.Object, timeout time.Duration, when string) {
	g.Eventually(func(g Gomega) {
		c.expectSettled(g, objs)
	}).WithTimeout(timeout).WithPolling(100*time.Millisecond).Should(Succeed(), when)
}

func (c *cell) expectSettled(g Gomega, objs []client.Object) {
	for i, o := range objs {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed())
		st := o.(v1alpha1.Managed).GetManagedStatus()
		ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
		g.Expect(ready).NotTo(BeNil(), "%s has no Ready condition", o.GetName())
		g.Expect(ready.Status).To(Equal(metav1.ConditionTrue), "%s: Ready %s %s: %s", o.GetName(), ready.Status, ready.Reason, ready.Message)
		g.Expect(ready.ObservedGeneration).To(Equal(o.GetGeneration()), "%s: Ready is for an older generation", o.GetName())
		want := v1alpha1.ManagementCreated
		if i == 1 {
			want = v1alpha1.ManagementAdopted
		}
		g.Expect(st.Management).To(Equal(want), "%s's management", o.GetName())
	}
	c.kind.check(g, c, objs[0], objs[1])
}

// unsettled is expectSettled's failure message, or "" when all is well.
func (c *cell) unsettled(objs []client.Object) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(cellFailure)
			if !ok {
				panic(r)
			}
			msg = firstLines(string(f), 1)
		}
	}()
	c.expectSettled(NewGomega(func(message string, _ ...int) { panic(cellFailure(message)) }), objs)
	return ""
}

// waitDeleted waits until both objects are gone and Mailgun holds only the
// adopted one.
func (c *cell) waitDeleted(g Gomega, objs []client.Object, made, adopted client.Object, timeout time.Duration) {
	g.Eventually(func(g Gomega) {
		for _, o := range objs {
			err := k8s.Get(ctx, client.ObjectKeyFromObject(o), o)
			if err == nil {
				ready := meta.FindStatusCondition(o.(v1alpha1.Managed).GetManagedStatus().Conditions, v1alpha1.ConditionReady)
				msg := "no Ready condition"
				if ready != nil {
					msg = fmt.Sprintf("Ready %s %s: %s", ready.Status, ready.Reason, ready.Message)
				}
				g.Expect(err).To(HaveOccurred(), "%s is still there (finalizers %v; %s)", o.GetName(), o.GetFinalizers(), msg)
			}
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%v", err)
		}
		c.kind.check(g, c, nil, adopted)
	}).WithTimeout(timeout).WithPolling(100*time.Millisecond).Should(Succeed(), "deleting")
}

// matrixTable is the summary: one row per kind and operation, one column
// per fault; each cell "ok" or "FAIL", the Mailgun calls from the fault
// until the end state (of which the faulted write) and the time it took.
func matrixTable(cells []*cell, wall time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nFault matrix: %d cells in %s\n\n", len(cells), wall.Round(time.Second))
	b.WriteString("| kind | operation |")
	for _, f := range matrixFaults {
		fmt.Fprintf(&b, " %s |", f.name)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(matrixFaults)) + "\n")
	for ki := range matrixKinds {
		for _, op := range matrixOps {
			fmt.Fprintf(&b, "| %s | %s |", matrixKinds[ki].name, op)
			for fi := range matrixFaults {
				i := slices.IndexFunc(cells, func(c *cell) bool {
					return c.kind == &matrixKinds[ki] && c.fault == &matrixFaults[fi] && c.op == op
				})
				if i < 0 {
					b.WriteString(" (not run) |")
					continue
				}
				c := cells[i]
				if c.failure != "" {
					b.WriteString(" **FAIL** |")
					continue
				}
				flapped := ""
				if c.flap != "" {
					flapped = ", Ready flapped"
				}
				fmt.Fprintf(&b, " ok: %d calls (%d %s), %.1f s%s |", c.calls, c.opCalls, c.kind.write[c.op], c.healed.Seconds(), flapped)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	for _, c := range cells {
		if c.flap != "" {
			fmt.Fprintf(&b, "flap %s / %s / %s: %s\n", c.kind.name, c.op, c.fault.name, c.flap)
		}
		if c.failure != "" {
			fmt.Fprintf(&b, "FAIL %s / %s / %s: %s\n", c.kind.name, c.op, c.fault.name, firstLines(c.failure, 6))
		}
	}
	return b.String()
}

// firstLines keeps a failure message short enough for the summary.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n    ")
}
