package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgundomains,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgundomains/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=mailgundomains/finalizers,verbs=update

// domainAPI is the part of the Mailgun client domains use.
type domainAPI interface {
	GetDomain(ctx context.Context, a mailgun.Account, name string) (mailgun.DomainInfo, error)
	CreateDomain(ctx context.Context, a mailgun.Account, r mailgun.CreateDomainRequest) (mailgun.DomainInfo, error)
	UpdateDomain(ctx context.Context, a mailgun.Account, name string, r mailgun.UpdateDomainRequest) error
	VerifyDomain(ctx context.Context, a mailgun.Account, name string) (mailgun.DomainInfo, error)
	DeleteDomain(ctx context.Context, a mailgun.Account, name string) error
	GetTracking(ctx context.Context, a mailgun.Account, domain string) (mailgun.Tracking, error)
	SetClickTracking(ctx context.Context, a mailgun.Account, domain string, active, htmlOnly bool) error
	SetOpenTracking(ctx context.Context, a mailgun.Account, domain string, active bool) error
	SetUnsubscribeTracking(ctx context.Context, a mailgun.Account, domain string, active bool, htmlFooter, textFooter string) error
	SetDKIMSelector(ctx context.Context, a mailgun.Account, domain, selector string) error
	SetDKIMAuthority(ctx context.Context, a mailgun.Account, domain string, self bool) error
}

// DefaultDNSCheckInterval is how often an unverified domain asks Mailgun to
// check its DNS again.
const DefaultDNSCheckInterval = 5 * time.Minute

// deletionPoll is how often a domain that Mailgun deletes in the background
// is read until it is gone (docs/mailgun-api.md, "Asynchronous deletion";
// the Terraform provider polls every 5 s as well).
const deletionPoll = 5 * time.Second

// deletionResend is how long a background deletion may take before the
// DELETE is sent again.
const deletionResend = 5 * time.Minute

// domainExternal adapts MailgunDomain to the engine.
type domainExternal struct {
	api     domainAPI
	secrets Secrets
	// dnsCheckInterval spaces the verify calls of an unverified domain.
	dnsCheckInterval time.Duration
	// dns keeps the DNSEndpoint of spec.publishDNS (nil: never published,
	// as in unit tests). Its writes are to the cluster, never to Mailgun.
	dns *dnsPublisher
	// snapshots, when set and the api can list domains, serve the drift
	// checks of verified domains from the account's domains list
	// (snapshot.go).
	snapshots *Snapshots

	mu        sync.Mutex
	lastCheck map[types.UID]time.Time // in memory: a restart costs one early check
	// deleting holds when Mailgun accepted the DELETE of domains that are
	// still visible. In memory: a restart costs one more DELETE, which
	// Mailgun answers the same for a domain it is deleting. An entry goes
	// when the domain answers 404 or its object goes (Forget).
	deleting map[types.UID]time.Time
}

// domainState is what Observe hands to Update.
type domainState struct {
	diff     domainDiff
	tracking mailgun.Tracking
	password []byte
	pwdRV    string
}

func (x *domainExternal) Observe(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain) (observation, error) {
	if obs, ok, err := x.observeSnapshot(ctx, a, d); ok || err != nil {
		return obs, err
	}
	info, err := x.api.GetDomain(ctx, a, d.Spec.DomainName)
	if errors.Is(err, mailgun.ErrNotFound) {
		return observation{}, nil
	}
	if err != nil {
		return observation{}, err
	}
	if info, err = x.checkDNS(ctx, a, d, info); err != nil {
		return observation{}, err
	}
	recordDomain(d, info)
	st := &domainState{diff: diffDomain(&d.Spec, &info.Domain)}
	if d.Spec.Tracking != nil {
		if st.tracking, err = x.api.GetTracking(ctx, a, d.Spec.DomainName); err != nil {
			return observation{}, err
		}
		diffTracking(&st.diff, d.Spec.Tracking, st.tracking, d.Status.ClickTracking)
	}
	diffDKIM(&st.diff, &d.Spec, &d.Status)
	if err := x.diffPassword(ctx, d, st); err != nil {
		return observation{}, err
	}
	obs := observation{exists: true, upToDate: st.diff.empty(), diff: strings.Join(st.diff.fields, ", "), state: st}
	x.dnsOutcome(d, &obs)
	x.publishDNS(ctx, d, &obs)
	return obs, nil
}

// observeSnapshot is the drift check of a verified domain from the account's
// domains list: the list holds the settings (docs/mailgun-api.md, "Paging":
// its items are the domain object without DNS records), so only tracking,
// which the list does not carry, is read per domain, and only when the spec
// asks for it. ok is false when the snapshot cannot say "in sync" (no
// snapshot, the domain missing or unverified in it, any difference): the
// caller then reads the domain itself before anything is written. DNS
// records in status are left as last read: they are not in the list, and a
// verified domain's records only matter again if it stops being verified,
// which the list shows (state).
func (x *domainExternal) observeSnapshot(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain) (observation, bool, error) {
	lister, can := x.api.(domainLister)
	if !can || !x.snapshots.usable(&d.Status.ManagedStatus) || d.Status.State != "active" {
		return observation{}, false, nil
	}
	snap, err := x.snapshots.domains(ctx, lister, a, x.snapshots.notBefore(d, &d.Status.ManagedStatus))
	got, found := snap[d.Spec.DomainName]
	if err != nil || !found || got.State != "active" {
		return observation{}, false, nil
	}
	st := &domainState{diff: diffDomain(&d.Spec, &got)}
	if !st.diff.empty() {
		return observation{}, false, nil
	}
	if d.Spec.Tracking != nil {
		if st.tracking, err = x.api.GetTracking(ctx, a, d.Spec.DomainName); err != nil {
			return observation{}, false, err
		}
		diffTracking(&st.diff, d.Spec.Tracking, st.tracking, d.Status.ClickTracking)
	}
	diffDKIM(&st.diff, &d.Spec, &d.Status)
	if err := x.diffPassword(ctx, d, st); err != nil {
		return observation{}, false, err
	}
	if !st.diff.empty() {
		return observation{}, false, nil
	}
	d.Status.State, d.Status.SMTPLogin = got.State, got.SMTPLogin
	obs := observation{exists: true, upToDate: true, state: st}
	x.dnsOutcome(d, &obs)
	// The DNSEndpoint is kept from the records last read, also when the
	// domain itself is checked from the list.
	x.publishDNS(ctx, d, &obs)
	return obs, true, nil
}

// publishDNS keeps the DNSEndpoint of spec.publishDNS. It is an extra: a
// failure is said in its condition and tried again soon, and never blocks
// the domain.
func (x *domainExternal) publishDNS(ctx context.Context, d *v1alpha1.MailgunDomain, obs *observation) {
	if err := x.dns.publish(ctx, d); err != nil {
		logf.FromContext(ctx).Error(err, "cannot publish the domain's DNS records")
		setCondition(&d.Status.Status, d.Generation, ConditionDNSPublished, metav1.ConditionFalse, ReasonDNSEndpointFailed, err.Error())
		if obs.lookAgain == 0 || obs.lookAgain > dnsRetry {
			obs.lookAgain = dnsRetry
		}
	}
}

// checkDNS asks Mailgun to check an unverified domain's DNS again, at most
// once per interval.
func (x *domainExternal) checkDNS(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain, info mailgun.DomainInfo) (mailgun.DomainInfo, error) {
	if info.Domain.State == "active" || !x.dueForCheck(d.UID) {
		return info, nil
	}
	verified, err := x.api.VerifyDomain(ctx, a, d.Spec.DomainName)
	if err != nil {
		return info, err
	}
	return verified, nil
}

func (x *domainExternal) dueForCheck(uid types.UID) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.lastCheck == nil {
		x.lastCheck = map[types.UID]time.Time{}
	}
	if last, ok := x.lastCheck[uid]; ok && time.Since(last) < x.dnsCheckInterval {
		return false
	}
	x.lastCheck[uid] = time.Now()
	return true
}

// dnsOutcome sets DNSVerified and, when the user asked for it, keeps Ready
// False until Mailgun has verified the DNS.
func (x *domainExternal) dnsOutcome(d *v1alpha1.MailgunDomain, obs *observation) {
	if d.Status.State == "active" {
		setCondition(&d.Status.Status, d.Generation, v1alpha1.ConditionDNSVerified, metav1.ConditionTrue,
			ReasonDNSVerified, "Mailgun has verified the domain's DNS records")
		return
	}
	msg := fmt.Sprintf("publish the records in status.sendingDNSRecords and status.receivingDNSRecords; "+
		"%d are not valid yet; Mailgun checks again every %s", invalidRecords(d), x.dnsCheckInterval)
	setCondition(&d.Status.Status, d.Generation, v1alpha1.ConditionDNSVerified, metav1.ConditionFalse, ReasonDNSNotVerified, msg)
	obs.lookAgain = x.dnsCheckInterval
	if d.Spec.RequireVerifiedDNS {
		obs.notReady = &waiting{reason: ReasonDNSNotVerified, message: "waiting for DNS (requireVerifiedDNS): " + msg}
	}
}

func invalidRecords(d *v1alpha1.MailgunDomain) int {
	n := 0
	for _, rs := range [][]v1alpha1.DNSRecord{d.Status.SendingDNSRecords, d.Status.ReceivingDNSRecords} {
		for _, r := range rs {
			if r.Valid != "valid" {
				n++
			}
		}
	}
	return n
}

// diffPassword reads the SMTP password only when its Secret has a version
// not yet applied: Mailgun never returns it, so the version is the drift.
func (x *domainExternal) diffPassword(ctx context.Context, d *v1alpha1.MailgunDomain, st *domainState) error {
	ref := d.Spec.SMTPPasswordSecretRef
	if ref == nil {
		return nil
	}
	key := types.NamespacedName{Namespace: d.Namespace, Name: string(ref.Name)}
	rv, err := x.secrets.Version(ctx, key)
	if err != nil || rv == d.Status.SMTPPasswordVersion {
		return err
	}
	if st.password, st.pwdRV, err = x.secrets.Value(ctx, key, passwordKey(ref)); err != nil {
		return err
	}
	st.diff.fields = append(st.diff.fields, "smtpPassword")
	st.diff.settings.SMTPPassword = new(string(st.password))
	return nil
}

func passwordKey(ref *v1alpha1.SMTPPasswordSecretReference) string {
	if ref.Key == "" {
		return "password"
	}
	return string(ref.Key)
}

func (x *domainExternal) Create(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain) (observation, error) {
	req, pwdRV, err := x.createRequest(ctx, d)
	if err != nil {
		return observation{}, err
	}
	info, err := x.api.CreateDomain(ctx, a, req)
	x.snapshots.wrote(d.UID)
	x.wroteList(a, d.Spec.DomainName)
	if err != nil {
		// "Already exists" for a domain Observe did not see is the
		// engine's to decide (Engine.conflict): a lost create of this
		// resource, or a domain it has shown before, that Mailgun is not
		// showing yet (docs/mailgun-api.md, "Eventual consistency"), is
		// waited for; a name never seen here is most likely held by
		// another account, and stays a Conflict (a domain does not adopt
		// on a conflict).
		return observation{}, err
	}
	recordDomain(d, info)
	d.Status.SMTPPasswordVersion = pwdRV
	d.Status.DKIMSelector = d.Spec.DKIMSelector
	d.Status.ForceDKIMAuthority = d.Spec.ForceDKIMAuthority
	obs := observation{exists: true, upToDate: d.Spec.Tracking == nil}
	x.dnsOutcome(d, &obs)
	// A failure to publish is retried by the next Observe; the create
	// itself succeeded.
	x.publishDNS(ctx, d, &obs)
	return obs, nil
}

func (x *domainExternal) createRequest(ctx context.Context, d *v1alpha1.MailgunDomain) (mailgun.CreateDomainRequest, string, error) {
	s := &d.Spec
	req := mailgun.CreateDomainRequest{
		Name: s.DomainName, SpamAction: s.SpamAction, DKIMSelector: s.DKIMSelector,
		WebScheme: s.WebScheme, WebPrefix: s.WebPrefix, Wildcard: s.Wildcard,
		ForceDKIMAuthority: s.ForceDKIMAuthority, UseAutomaticSenderSecurity: s.UseAutomaticSenderSecurity,
		RequireTLS: s.RequireTLS, SkipVerification: s.SkipVerification,
	}
	if s.DKIMKeySize != nil {
		req.DKIMKeySize = int(*s.DKIMKeySize)
	}
	if s.SMTPPasswordSecretRef == nil {
		return req, "", nil
	}
	key := types.NamespacedName{Namespace: d.Namespace, Name: string(s.SMTPPasswordSecretRef.Name)}
	pwd, rv, err := x.secrets.Value(ctx, key, passwordKey(s.SMTPPasswordSecretRef))
	req.SMTPPassword = string(pwd)
	return req, rv, err
}

func (x *domainExternal) Update(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain, obs observation) error {
	defer x.snapshots.wrote(d.UID)
	st := obs.state.(*domainState)
	name := d.Spec.DomainName
	if st.diff.settings != (mailgun.UpdateDomainRequest{}) {
		if err := x.api.UpdateDomain(ctx, a, name, st.diff.settings); err != nil {
			return err
		}
		if st.password != nil {
			d.Status.SMTPPasswordVersion = st.pwdRV
		}
	}
	if err := x.updateTracking(ctx, a, d, st); err != nil {
		return err
	}
	return x.updateDKIM(ctx, a, d, st)
}

func (x *domainExternal) updateTracking(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain, st *domainState) error {
	name, t := d.Spec.DomainName, d.Spec.Tracking
	if st.diff.click {
		if err := x.api.SetClickTracking(ctx, a, name, t.Click != v1alpha1.ClickTrackingOff,
			t.Click == v1alpha1.ClickTrackingHTMLOnly); err != nil {
			return err
		}
		d.Status.ClickTracking = t.Click
	}
	if st.diff.open {
		if err := x.api.SetOpenTracking(ctx, a, name, *t.Open); err != nil {
			return err
		}
	}
	if st.diff.unsubscribe {
		html, text := unsubscribeFooters(t.Unsubscribe, st.tracking)
		if err := x.api.SetUnsubscribeTracking(ctx, a, name, t.Unsubscribe.Enabled, html, text); err != nil {
			return err
		}
	}
	return nil
}

func (x *domainExternal) updateDKIM(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain, st *domainState) error {
	name := d.Spec.DomainName
	if st.diff.selector {
		if err := x.api.SetDKIMSelector(ctx, a, name, d.Spec.DKIMSelector); err != nil {
			return err
		}
		d.Status.DKIMSelector = d.Spec.DKIMSelector
	}
	if st.diff.authority {
		if err := x.api.SetDKIMAuthority(ctx, a, name, *d.Spec.ForceDKIMAuthority); err != nil {
			return err
		}
		d.Status.ForceDKIMAuthority = d.Spec.ForceDKIMAuthority
	}
	return nil
}

// Identity is the domain's name.
func (x *domainExternal) Identity(d *v1alpha1.MailgunDomain) string { return d.Spec.DomainName }

// Delete asks Mailgun to delete the domain, then holds on until the name
// answers 404: Mailgun deletes domains in the background, and letting the
// object go earlier would let a re-created MailgunDomain of the same name
// adopt the dying domain.
//
// The DNSEndpoint of spec.publishDNS goes only once the domain is gone from
// Mailgun: a domain kept in Mailgun keeps its records (see
// DNSEndpointOfAnnotation).
func (x *domainExternal) Delete(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain) error {
	err := x.deleteDomain(ctx, a, d)
	if err == nil || errors.Is(err, mailgun.ErrNotFound) {
		if uerr := x.dns.unpublish(ctx, d); uerr != nil {
			return uerr
		}
	}
	return err
}

func (x *domainExternal) deleteDomain(ctx context.Context, a mailgun.Account, d *v1alpha1.MailgunDomain) error {
	name := d.Spec.DomainName
	// The DELETE is sent again after deletionResend: a background deletion
	// that never finishes (TF gives up after 5 minutes) must not leave the
	// object polling forever on a request Mailgun may have dropped.
	if since, ok := x.deletingSince(d.UID); !ok || time.Since(since) > deletionResend {
		err := x.api.DeleteDomain(ctx, a, name)
		x.wroteList(a, name)
		if err != nil {
			return err // not found included: the engine takes it as done
		}
		x.setDeleting(d.UID, true)
	}
	_, err := x.api.GetDomain(ctx, a, name)
	switch {
	case errors.Is(err, mailgun.ErrNotFound):
		x.setDeleting(d.UID, false)
		x.wroteList(a, name) // gone now: a snapshot taken while Mailgun deleted it still shows it
		return nil
	case err != nil:
		return err
	}
	return waitError(ReasonDeleting, deletionPoll,
		fmt.Errorf("Mailgun is deleting %s in the background; the finalizer stays until it is gone", name))
}

// wroteList drops the snapshots a domain's create or deletion makes stale
// for other resources that name it (snapshot.go, invalidate): the
// account's domains and the domain's webhooks.
func (x *domainExternal) wroteList(a mailgun.Account, name string) {
	x.snapshots.invalidate(a, "domains")
	x.snapshots.invalidate(a, "webhooks/"+name)
}

func (x *domainExternal) deletingSince(uid types.UID) (time.Time, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	t, ok := x.deleting[uid]
	return t, ok
}

// Forget drops what the adapter remembers of an object that is gone,
// whatever its deletion policy (the engine calls it).
func (x *domainExternal) Forget(uid types.UID) { x.setDeleting(uid, false) }

func (x *domainExternal) setDeleting(uid types.UID, on bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !on {
		delete(x.deleting, uid)
		delete(x.lastCheck, uid) // the object is going: nothing else will remove it
		return
	}
	if x.deleting == nil {
		x.deleting = map[types.UID]time.Time{}
	}
	x.deleting[uid] = time.Now()
}

// recordDomain copies what Mailgun says of the domain into status.
func recordDomain(d *v1alpha1.MailgunDomain, info mailgun.DomainInfo) {
	d.Status.State = info.Domain.State
	d.Status.SMTPLogin = info.Domain.SMTPLogin
	d.Status.SendingDNSRecords = dnsRecords(info.SendingDNSRecords)
	d.Status.ReceivingDNSRecords = dnsRecords(info.ReceivingDNSRecords)
}
