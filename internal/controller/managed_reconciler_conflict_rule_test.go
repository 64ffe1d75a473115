package controller

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// hider is Mailgun's side of one object, shared by the per-kind fakes
// below: whether Mailgun holds it, whether reads show it, and how a create
// is answered.
type hider struct {
	exists bool // Mailgun holds the object
	hidden bool // reads do not show it (eventual consistency, or another account's)
	// loseNext: the next create makes the object and its answer is lost.
	loseNext bool
	// failNext: the next create gets no answer (a 503) and makes nothing.
	failNext bool
	creates  int
	deletes  int
}

// create counts a POST and answers it as Mailgun would.
func (h *hider) create(op mailgun.Operation) error {
	h.creates++
	if h.failNext {
		h.failNext = false
		return mailgun.Classify(op, 503, nil, nil)
	}
	if h.exists {
		return mailgun.Classify(op, 400, nil, []byte(`{"message":"Duplicate object: it already exists"}`))
	}
	h.exists = true
	if h.loseNext {
		h.loseNext = false
		return mailgun.Classify(op, 503, nil, nil)
	}
	return nil
}

// delete counts a DELETE and answers it as Mailgun would: 404 while reads
// do not show the object.
func (h *hider) delete(op mailgun.Operation) error {
	h.deletes++
	if err := h.read(op); err != nil {
		return err
	}
	h.exists = false
	return nil
}

// read answers a read: nil when reads show the object.
func (h *hider) read(op mailgun.Operation) error {
	if h.exists && !h.hidden {
		return nil
	}
	return mailgun.Classify(op, 404, nil, []byte(`{"message":"not found"}`))
}

// The per-kind fakes embed the kind's API interface (nil): a call the
// scenario does not expect panics.

type hiddenDomain struct {
	domainAPI
	*hider
}

func (f hiddenDomain) GetDomain(_ context.Context, _ mailgun.Account, name string) (mailgun.DomainInfo, error) {
	return mailgun.DomainInfo{Domain: mailgun.Domain{Name: name, State: "active"}}, f.read(mailgun.OpGetDomain)
}

func (f hiddenDomain) CreateDomain(_ context.Context, _ mailgun.Account, r mailgun.CreateDomainRequest) (mailgun.DomainInfo, error) {
	return mailgun.DomainInfo{Domain: mailgun.Domain{Name: r.Name, State: "active"}}, f.create(mailgun.OpCreateDomain)
}

type hiddenList struct {
	listAPI
	*hider
}

func (f hiddenList) GetList(_ context.Context, _ mailgun.Account, a string) (mailgun.MailingList, error) {
	return mailgun.MailingList{Address: a}, f.read(mailgun.OpGetList)
}

func (f hiddenList) DeleteList(context.Context, mailgun.Account, string) error {
	return f.delete(mailgun.OpDeleteList)
}

func (f hiddenList) CreateList(_ context.Context, _ mailgun.Account, r mailgun.ListRequest) (mailgun.MailingList, error) {
	return mailgun.MailingList{Address: r.Address}, f.create(mailgun.OpCreateList)
}

type hiddenTemplate struct {
	templateAPI
	*hider
}

func (f hiddenTemplate) GetTemplate(_ context.Context, _ mailgun.Account, _, name string) (mailgun.Template, error) {
	return mailgun.Template{Name: name}, f.read(mailgun.OpGetTemplate)
}

func (f hiddenTemplate) CreateTemplate(context.Context, mailgun.Account, string, mailgun.CreateTemplateRequest) (mailgun.Template, error) {
	return mailgun.Template{}, f.create(mailgun.OpCreateTemplate)
}

func (f hiddenTemplate) ListTemplateVersions(context.Context, mailgun.Account, string, string) ([]mailgun.TemplateVersion, error) {
	return []mailgun.TemplateVersion{{Tag: "v1", Active: true}}, nil
}

func (f hiddenTemplate) GetTemplateVersion(_ context.Context, _ mailgun.Account, _, _, tag string) (mailgun.TemplateVersion, error) {
	return mailgun.TemplateVersion{Tag: tag, Body: "hello", Active: true}, nil
}

type hiddenLogin struct {
	credentialAPI
	*hider
	login string
}

func (f hiddenLogin) ListCredentials(context.Context, mailgun.Account, string, mailgun.ListOptions) (mailgun.CredentialPage, error) {
	if f.read(mailgun.OpListCredentials) != nil {
		return mailgun.CredentialPage{}, nil
	}
	return mailgun.CredentialPage{Items: []mailgun.Credential{{Login: f.login}}, TotalCount: 1}, nil
}

func (f hiddenLogin) CreateCredential(context.Context, mailgun.Account, string, string, string) error {
	return f.create(mailgun.OpCreateCredential)
}

// UpdateCredential: a login found with another password version (the
// fake API server's resourceVersions) has its password set.
func (f hiddenLogin) UpdateCredential(context.Context, mailgun.Account, string, string, string) error {
	return nil
}

type hiddenWebhook struct {
	webhookAPI
	*hider
}

func (f hiddenWebhook) ListWebhooks(context.Context, mailgun.Account, string) (mailgun.Webhooks, error) {
	var all mailgun.Webhooks
	if f.read(mailgun.OpListWebhooks) == nil {
		ev, _ := mailgun.ParseEvent("clicked")
		all[ev] = []string{"https://hooks.example.com/c"}
	}
	return all, nil
}

func (f hiddenWebhook) CreateWebhook(context.Context, mailgun.Account, string, mailgun.Event, []string) error {
	return f.create(mailgun.OpCreateWebhook)
}

// conflictRig drives one resource of any kind through the engine.
type conflictRig struct {
	reconcile func() (ctrl.Result, error)
	status    func() v1alpha1.ManagedStatus
	// object reads the resource from the (fake) API server.
	object func() client.Object
	c      client.WithWatch
	// backdate moves the wait's and the pending create's times back by d,
	// as if that much time had passed.
	backdate func(d time.Duration)
	// events receives the events every reconcile records.
	events chan string
}

func newConflictRig[T v1alpha1.Managed](t *testing.T, obj T, newObj func() T, ext func(client.Client) external[T]) conflictRig {
	t.Helper()
	return newConflictRigWith(t, obj, newObj, ext, nil)
}

// newConflictRigWith is newConflictRig with the API server's answers
// intercepted by fns (faults, a lagging cache).
func newConflictRigWith[T v1alpha1.Managed](t *testing.T, obj T, newObj func() T, ext func(client.Client) external[T], fns *interceptor.Funcs) conflictRig {
	t.Helper()
	b := fake.NewClientBuilder().WithScheme(unitScheme(t)).WithObjects(obj,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: map[string][]byte{"api-key": []byte("k")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pw", Namespace: "ns"}, Data: map[string][]byte{"password": []byte("s3cret-pass")}},
		&v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"},
			Spec: v1alpha1.MailgunAccountSpec{APIBaseURL: "http://127.0.0.1:1", APIKeySecretRef: v1alpha1.APIKeySecretReference{Name: "key"}}},
	).WithStatusSubresource(obj)
	if fns != nil {
		b = b.WithInterceptorFuncs(*fns)
	}
	c := b.Build()
	// A new engine and adapter for every reconcile, as after a restart:
	// nothing of a wait may live in memory.
	rec := events.NewFakeRecorder(1000)
	engine := func() *Engine[T] {
		return &Engine[T]{Client: c, Accounts: &Accounts{Cached: c, Secrets: Secrets{Cached: c, Direct: c}, Policy: testPolicy},
			External: ext(c), New: newObj, Recorder: rec, SyncPeriod: time.Minute, CreateGrace: time.Nanosecond, Fresh: c}
	}
	key := client.ObjectKeyFromObject(obj)
	get := func() T {
		got := newObj()
		if err := c.Get(context.Background(), key, got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	return conflictRig{
		reconcile: func() (ctrl.Result, error) {
			return engine().Reconcile(context.Background(), ctrl.Request{NamespacedName: key})
		},
		status: func() v1alpha1.ManagedStatus { return *get().GetManagedStatus() },
		object: func() client.Object { return get() },
		c:      c,
		events: rec.Events,
		backdate: func(d time.Duration) {
			got := get()
			orig := got.DeepCopyObject().(T)
			st := got.GetManagedStatus()
			for _, tp := range []**metav1.Time{&st.CreateConflictSince, &st.CreatePendingSince} {
				if *tp != nil {
					*tp = &metav1.Time{Time: (*tp).Add(-d)}
				}
			}
			if st.CreateRefusedTime != nil {
				st.CreateRefusedTime = &metav1.MicroTime{Time: st.CreateRefusedTime.Add(-d)}
			}
			if err := c.Status().Patch(context.Background(), got, client.MergeFrom(orig)); err != nil {
				t.Fatal(err)
			}
			// The create marker: when the last create began.
			if at, uid, ok := strings.Cut(got.GetAnnotations()[CreateStartedAnnotation], " "); ok {
				tm, err := time.Parse(time.RFC3339Nano, at)
				if err != nil {
					t.Fatal(err)
				}
				orig := got.DeepCopyObject().(T)
				ann := maps.Clone(got.GetAnnotations())
				ann[CreateStartedAnnotation] = tm.Add(-d).Format(time.RFC3339Nano) + " " + uid
				got.SetAnnotations(ann)
				if err := c.Patch(context.Background(), got, client.MergeFrom(orig)); err != nil {
					t.Fatal(err)
				}
			}
		},
	}
}

// conflictKinds builds, per kind, a resource whose Mailgun object is
// behind h. seen gives it the status of one this resource made before.
var conflictKinds = []struct {
	name  string
	build func(t *testing.T, h *hider, seen, adopt bool) conflictRig
}{
	{"MailgunDomain", func(t *testing.T, h *hider, seen, _ bool) conflictRig {
		d := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", UID: "uid-d"},
			Spec: v1alpha1.MailgunDomainSpec{DomainName: "mg.example.com"}}
		seenBefore(&d.Status.ManagedStatus, seen)
		return newConflictRig(t, d, func() *v1alpha1.MailgunDomain { return &v1alpha1.MailgunDomain{} },
			func(client.Client) external[*v1alpha1.MailgunDomain] {
				return &domainExternal{api: hiddenDomain{hider: h}}
			})
	}},
	{"MailingList", func(t *testing.T, h *hider, seen, _ bool) conflictRig {
		l := &v1alpha1.MailingList{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "ns", UID: "uid-l"},
			Spec: v1alpha1.MailingListSpec{Address: "devs@mg.example.com"}}
		seenBefore(&l.Status.ManagedStatus, seen)
		return newConflictRig(t, l, func() *v1alpha1.MailingList { return &v1alpha1.MailingList{} },
			func(client.Client) external[*v1alpha1.MailingList] { return &listExternal{api: hiddenList{hider: h}} })
	}},
	{"Template", func(t *testing.T, h *hider, seen, _ bool) conflictRig {
		tm := &v1alpha1.Template{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "ns", UID: "uid-t"},
			Spec: v1alpha1.TemplateSpec{Domain: "mg.example.com", Name: "welcome",
				Versions: []v1alpha1.TemplateVersionSpec{{Tag: "v1", Template: new("hello")}}}}
		seenBefore(&tm.Status.ManagedStatus, seen)
		return newConflictRig(t, tm, func() *v1alpha1.Template { return &v1alpha1.Template{} },
			func(client.Client) external[*v1alpha1.Template] {
				return &templateExternal{api: hiddenTemplate{hider: h}}
			})
	}},
	{"SMTPCredential", func(t *testing.T, h *hider, seen, adopt bool) conflictRig {
		cr := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns", UID: "uid-c"},
			Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob", Adopt: adopt,
				PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
		seenBefore(&cr.Status.ManagedStatus, seen)
		return newConflictRig(t, cr, func() *v1alpha1.SMTPCredential { return &v1alpha1.SMTPCredential{} },
			func(c client.Client) external[*v1alpha1.SMTPCredential] {
				return &credentialExternal{api: hiddenLogin{hider: h, login: "bob@mg.example.com"}, secrets: Secrets{Cached: c, Direct: c}}
			})
	}},
	{"Webhook", func(t *testing.T, h *hider, seen, _ bool) conflictRig {
		w := &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: "ns", UID: "uid-w"},
			Spec: v1alpha1.WebhookSpec{Domain: "mg.example.com", Event: "clicked", URLs: []v1alpha1.WebhookURL{"https://hooks.example.com/c"}}}
		seenBefore(&w.Status.ManagedStatus, seen)
		return newConflictRig(t, w, func() *v1alpha1.Webhook { return &v1alpha1.Webhook{} },
			func(client.Client) external[*v1alpha1.Webhook] { return &webhookExternal{api: hiddenWebhook{hider: h}} })
	}},
}

// seenBefore gives st the record of an object this resource made an hour ago.
func seenBefore(st *v1alpha1.ManagedStatus, seen bool) {
	if seen {
		st.Management = v1alpha1.ManagementCreated
		st.CreatedTime = &metav1.Time{Time: time.Now().Add(-time.Hour)}
	}
}

func readyOf(st v1alpha1.ManagedStatus) string {
	if c := findCondition(st.Conditions, v1alpha1.ConditionReady); c != nil {
		return string(c.Status) + "/" + c.Reason
	}
	return ""
}

// TestCreateConflictRule: "already exists" on a create, for every kind that
// can hear it, in the three cases of Engine.conflict. While a wait lasts no
// POST is sent (Observe alone resolves it); when Mailgun shows the object
// it is Created (the lost create's) or kept as it was (seen before) or
// Adopted; when the wait is over, exactly one more POST decides, and
// "already exists" again is a Conflict with a how-to.
func TestCreateConflictRule(t *testing.T) {
	type scenario struct {
		name string
		// start is Mailgun's side; seen: this resource made the object
		// before; adopt: the login's spec.adopt.
		start       hider
		seen, adopt bool
		// firstCreates: POSTs up to and including the first "already
		// exists" (a lost create's, then the one that hears it).
		firstCreates int
		// waits: the first "already exists" starts a wait; false: the
		// kind's immediate Conflict.
		waits bool
		// shownAs: what the object is once Mailgun shows it.
		shownAs v1alpha1.Management
	}
	lost := scenario{name: "(a) own create lost", start: hider{loseNext: true, hidden: true}, firstCreates: 2, waits: true, shownAs: v1alpha1.ManagementCreated}
	seen := scenario{name: "(b) seen before, now hidden", start: hider{exists: true, hidden: true}, seen: true, firstCreates: 1, waits: true, shownAs: v1alpha1.ManagementCreated}
	taken := scenario{name: "(c) someone else's, never seen", start: hider{exists: true, hidden: true}, firstCreates: 1}
	takenAdopt := taken
	takenAdopt.waits, takenAdopt.shownAs = true, v1alpha1.ManagementAdopted
	rows := map[string][]scenario{
		"MailgunDomain":  {lost, seen, taken},
		"MailingList":    {lost, seen, takenAdopt},
		"Template":       {lost, seen, takenAdopt},
		"SMTPCredential": {lost, seen, taken},
		"Webhook":        {lost, seen, takenAdopt},
	}
	loginAdopt := takenAdopt
	loginAdopt.name, loginAdopt.adopt = "(c) someone else's, never seen, spec.adopt", true

	for _, kind := range conflictKinds {
		scenarios := rows[kind.name]
		if kind.name == "SMTPCredential" {
			scenarios = append(scenarios, loginAdopt)
		}
		for _, sc := range scenarios {
			// start runs the scenario up to the first "already exists".
			start := func(t *testing.T) (*hider, conflictRig) {
				h := sc.start
				rig := kind.build(t, &h, sc.seen, sc.adopt)
				for range sc.firstCreates {
					rig.reconcile()
				}
				if h.creates != sc.firstCreates {
					t.Fatalf("%d POSTs, want %d up to the first \"already exists\"", h.creates, sc.firstCreates)
				}
				return &h, rig
			}
			t.Run(kind.name+"/"+sc.name, func(t *testing.T) {
				if !sc.waits {
					_, rig := start(t)
					st := rig.status()
					if got := readyOf(st); got != "False/"+ReasonConflict {
						t.Fatalf("Ready %s, want False/%s at once: a name never seen is someone else's", got, ReasonConflict)
					}
					if msg := findCondition(st.Conditions, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "already exists") {
						t.Errorf("message %q says nothing of the conflict", msg)
					}
					if st.CreateConflictSince != nil || st.CreatePendingSince != nil || st.Management != "" {
						t.Errorf("status %+v: no wait, no create of ours, nothing managed", st)
					}
					return
				}
				t.Run("shown during the wait", func(t *testing.T) {
					h, rig := start(t)
					st := rig.status()
					if got := readyOf(st); got != "False/"+ReasonProgressing || st.CreateConflictSince == nil {
						t.Fatalf("Ready %s, createConflictSince %v: want a wait, recorded in status", got, st.CreateConflictSince)
					}
					if (st.CreatePendingSince != nil) != (sc.name == lost.name) {
						t.Fatalf("createPendingSince %v: only a lost create of ours stays pending", st.CreatePendingSince)
					}
					for range 3 {
						lookAgainWithinGrace(t, rig)
					}
					if h.creates != sc.firstCreates {
						t.Fatalf("%d POSTs in the wait's first minute, want none: observing is enough", h.creates-sc.firstCreates)
					}
					h.hidden = false
					rig.reconcile()
					st = rig.status()
					if st.Management != sc.shownAs || st.CreateConflictSince != nil || st.CreatePendingSince != nil {
						t.Fatalf("management %q, createConflictSince %v, createPendingSince %v: want %q, the wait over",
							st.Management, st.CreateConflictSince, st.CreatePendingSince, sc.shownAs)
					}
					if got := readyOf(st); got != "True/"+ReasonSucceeded {
						t.Fatalf("Ready %s once Mailgun shows it", got)
					}
					if h.creates != sc.firstCreates {
						t.Fatalf("%d POSTs in all, want %d", h.creates, sc.firstCreates)
					}
				})
				t.Run("creates again on a backoff", func(t *testing.T) {
					h, rig := start(t)
					// Ten minutes less one step, in steps of 30 seconds.
					for range 19 {
						rig.backdate(30 * time.Second)
						lookAgainWithinGrace(t, rig)
					}
					if got := h.creates - sc.firstCreates; got != len(waitPosts) {
						t.Fatalf("%d POSTs in the wait, want %d (at %v)", got, len(waitPosts), waitPosts)
					}
					if st := rig.status(); st.CreateConflictSince == nil || readyOf(st) != "False/"+ReasonProgressing {
						t.Fatalf("Ready %s, createConflictSince %v: want the wait still on", readyOf(st), st.CreateConflictSince)
					}
				})
				t.Run("name freed in the wait", func(t *testing.T) {
					h, rig := start(t)
					for range 5 { // two and a half minutes: two POSTs
						rig.backdate(30 * time.Second)
						rig.reconcile()
					}
					// Deleted outside the operator: the name freed, reads 404,
					// the next create makes it.
					h.exists = false
					for range 3 { // the POST at four minutes
						rig.backdate(30 * time.Second)
						rig.reconcile()
					}
					st := rig.status()
					if got := h.creates - sc.firstCreates; got != 3 || !h.exists {
						t.Fatalf("%d POSTs in the wait, object made %v: want 3, the third making it", got, h.exists)
					}
					if st.Management != v1alpha1.ManagementCreated || st.CreateConflictSince != nil || st.CreatePendingSince != nil {
						t.Fatalf("management %q, createConflictSince %v, createPendingSince %v: want Created, the wait over",
							st.Management, st.CreateConflictSince, st.CreatePendingSince)
					}
				})
				t.Run("wait over, name freed", func(t *testing.T) {
					h, rig := start(t)
					rig.reconcile()
					rig.backdate(visibilityWait + time.Second)
					h.exists = false
					rig.reconcile()
					st := rig.status()
					if h.creates != sc.firstCreates+1 || st.Management != v1alpha1.ManagementCreated ||
						st.CreateConflictSince != nil || st.CreatePendingSince != nil {
						t.Fatalf("%d POSTs after the wait, management %q, createConflictSince %v, createPendingSince %v: want one, Created, the wait over",
							h.creates-sc.firstCreates, st.Management, st.CreateConflictSince, st.CreatePendingSince)
					}
				})
				t.Run("wait over", func(t *testing.T) {
					h, rig := start(t)
					rig.reconcile()
					rig.backdate(visibilityWait + time.Second)
					rig.reconcile()
					if h.creates != sc.firstCreates+1 {
						t.Fatalf("%d POSTs after the wait, want exactly one more", h.creates-sc.firstCreates)
					}
					st := rig.status()
					if got := readyOf(st); got != "False/"+ReasonConflict {
						t.Fatalf("Ready %s after the wait, want False/%s", got, ReasonConflict)
					}
					if msg := findCondition(st.Conditions, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "has not shown it") {
						t.Errorf("message %q: want the how-to of a name Mailgun holds and does not show", msg)
					}
					if st.CreatePendingSince != nil {
						t.Errorf("createPendingSince %v: after the wait, no create of ours is counted as pending", st.CreatePendingSince)
					}
					if sc.seen && st.Management != v1alpha1.ManagementCreated {
						t.Errorf("management %q: what this resource made stays recorded", st.Management)
					}
				})
			})
		}
	}
}

// lookAgainWithinGrace reconciles once in a wait: it must ask to be run
// again, within the create grace (1s in the rig), or the wait would never
// see the object.
func lookAgainWithinGrace(t *testing.T, rig conflictRig) {
	t.Helper()
	res, err := rig.reconcile()
	if err != nil || res.RequeueAfter <= 0 || res.RequeueAfter > time.Second {
		t.Fatalf("result %+v, error %v: a reconcile in the wait must look again within the grace", res, err)
	}
}

// TestConflictDecidingCreateLost: when the wait is over, the one more
// create may itself make the object (the name freed meanwhile) and lose its
// answer. The "already exists" that follows is then most likely that
// create's object: a new wait, counted from it, and the object Created once
// shown, not a Conflict (nor, later, Adopted).
func TestConflictDecidingCreateLost(t *testing.T) {
	for _, kind := range conflictKinds {
		t.Run(kind.name, func(t *testing.T) {
			h := &hider{exists: true, hidden: true}
			rig := kind.build(t, h, true, false)
			rig.reconcile() // "already exists" for an object seen before: the wait
			rig.backdate(visibilityWait + time.Second)
			h.exists, h.loseNext = false, true // gone meanwhile; the next create makes it, its answer lost
			rig.reconcile()                    // the one more create: a 503
			rig.reconcile()                    // hidden; the next create hears "already exists"
			st := rig.status()
			if h.creates != 3 || readyOf(st) != "False/"+ReasonProgressing || st.CreatePendingSince == nil {
				t.Fatalf("%d POSTs, Ready %s, createPendingSince %v: want 3, and a new wait on the lost create",
					h.creates, readyOf(st), st.CreatePendingSince)
			}
			rig.reconcile()
			h.hidden = false
			rig.reconcile()
			st = rig.status()
			if h.creates != 3 || st.Management != v1alpha1.ManagementCreated || readyOf(st) != "True/"+ReasonSucceeded {
				t.Fatalf("%d POSTs, management %q, Ready %s: want 3, Created, Ready", h.creates, st.Management, readyOf(st))
			}
		})
	}
}
