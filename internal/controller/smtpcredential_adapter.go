package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=smtpcredentials,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=smtpcredentials/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=smtpcredentials/finalizers,verbs=update

// credentialAPI is the part of the Mailgun client SMTP credentials use.
type credentialAPI interface {
	ListCredentials(ctx context.Context, a mailgun.Account, domain string, o mailgun.ListOptions) (mailgun.CredentialPage, error)
	CreateCredential(ctx context.Context, a mailgun.Account, domain, login, password string) error
	UpdateCredential(ctx context.Context, a mailgun.Account, domain, login, password string) error
	DeleteCredential(ctx context.Context, a mailgun.Account, domain, login string) error
}

// credentialExternal adapts SMTPCredential to the engine. A login's
// identity is its full address; Mailgun lists logins but never returns a
// password (docs/mailgun-api.md, "Credentials"), so, as for a domain's SMTP
// password, the version of the Secret last applied is the only drift a
// password can have.
type credentialExternal struct {
	api     credentialAPI
	secrets Secrets
	// fresh reads the resource from the API server, not the informer
	// cache; nil in unit tests (then the cached status is trusted).
	fresh client.Reader
	// status writes pendingPasswordVersion ahead of a password change
	// (nil: no write-ahead, as in unit tests that do not test it).
	status client.StatusWriter
}

// credentialListPage is the page size of the login search: Mailgun's
// largest list page (docs/mailgun-api.md, "Paging"); pages advance by what
// came back, so a smaller cap hides nothing.
const credentialListPage = 1000

// credentialState is what Observe hands to Update.
type credentialState struct {
	password []byte
	version  string
}

func (x *credentialExternal) Observe(ctx context.Context, a mailgun.Account, c *v1alpha1.SMTPCredential) (observation, error) {
	login := c.Spec.FullLogin()
	found, err := x.find(ctx, a, c.Spec.Domain, login)
	if err != nil {
		return observation{}, domainMissing(err, c.Spec.Domain)
	}
	if !found {
		return observation{}, nil
	}
	if !x.mayManage(c) {
		return observation{}, stalledError(ReasonConflict, fmt.Errorf(
			"login %s already exists in Mailgun and this resource did not create it: set spec.adopt: true to take it over "+
				"(its password is then set from the Secret), or choose another login", login))
	}
	c.Status.Login = login
	key := types.NamespacedName{Namespace: c.Namespace, Name: string(c.Spec.PasswordSecretRef.Name)}
	rv, err := x.secrets.Version(ctx, key)
	if err != nil {
		return observation{}, err
	}
	if rv == c.Status.PasswordVersion {
		return observation{exists: true, upToDate: true}, nil
	}
	if applied, err := x.appliedFresh(ctx, c, rv); err != nil || applied {
		return observation{exists: true, upToDate: true}, err
	}
	// Only now is the Secret's value read, straight from the API server.
	st := &credentialState{}
	if st.password, st.version, err = x.password(ctx, c); err != nil {
		return observation{}, err
	}
	if st.version == c.Status.PasswordVersion {
		// The metadata cache lags the direct read: this version is the
		// one applied (by the Create that read it directly, say).
		return observation{exists: true, upToDate: true}, nil
	}
	if samePassword(c.Status.PasswordHash, st.password) && c.Status.PendingPasswordVersion == "" {
		// The Secret changed, its password did not: sending it again
		// would be refused as unchanged (docs/mailgun-api.md,
		// "Credentials"). Only the version is recorded.
		c.Status.PasswordVersion = st.version
		return observation{exists: true, upToDate: true}, nil
	}
	return observation{exists: true, diff: "password", state: st}, nil
}

// passwordHash fingerprints an applied password for status. bcrypt, not a
// plain digest: status is readable by anyone who can read the resource,
// and a fast unsalted hash of a 5-to-32-character password can be reversed
// by brute force. bcrypt is salted per hash and slow (cost 10, tens of
// milliseconds), and it is paid only when a password is applied or a
// Secret's version moves. golang.org/x/crypto was already in the module
// graph. Mailgun's 32-character limit keeps passwords under bcrypt's 72
// bytes.
func passwordHash(pwd []byte) (string, error) {
	h, err := bcrypt.GenerateFromPassword(pwd, bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("cannot fingerprint the password: %w", err)
	}
	return string(h), nil
}

// samePassword: pwd is the password hash was made of.
func samePassword(hash string, pwd []byte) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), pwd) == nil
}

// appliedFresh checks, against the API server, whether the password at
// version rv was applied after all: the cache may hand a reconcile the
// status from before the last write (right after a create, say), and a
// password sent again may be refused as unchanged (docs/mailgun-api.md,
// "Credentials"). Costs one read, only when a rotation seems due.
func (x *credentialExternal) appliedFresh(ctx context.Context, c *v1alpha1.SMTPCredential, rv string) (bool, error) {
	if x.fresh == nil {
		return false, nil
	}
	cur := &v1alpha1.SMTPCredential{}
	if err := x.fresh.Get(ctx, client.ObjectKeyFromObject(c), cur); err != nil {
		return false, fmt.Errorf("cannot read %s from the API server: %w", c.Name, err)
	}
	if cur.UID != c.UID {
		return false, nil
	}
	if cur.Status.PendingPasswordVersion != "" {
		c.Status.PendingPasswordVersion = cur.Status.PendingPasswordVersion
	}
	if cur.Status.PasswordVersion != rv {
		return false, nil
	}
	c.Status.PasswordVersion = rv
	return true, nil
}

// mayManage says whether an existing login is this resource's to manage:
// one it created or adopted, one a create of it may have made (pending),
// one its external-name annotation names (status lost in a restore), or
// one the user asked to adopt. An external name this resource's own create
// wrote (its marker says so) vouches for nothing: that create may have made
// nothing (the login someone else's, "already exists"), and its marker may
// outlive it for a while (the engine removes both together).
func (x *credentialExternal) mayManage(c *v1alpha1.SMTPCredential) bool {
	return c.Spec.Adopt || c.Status.Management != "" || c.Status.CreatePendingSince != nil ||
		(c.GetAnnotations()[ExternalNameAnnotation] == x.Identity(c) && !markerWroteNameOf(c))
}

// find pages through the domain's logins for login.
func (x *credentialExternal) find(ctx context.Context, a mailgun.Account, domain, login string) (bool, error) {
	for skip := 0; ; {
		page, err := x.api.ListCredentials(ctx, a, domain, mailgun.ListOptions{Skip: skip, Limit: credentialListPage})
		if err != nil {
			return false, err
		}
		for _, it := range page.Items {
			// Mailgun's case is unverified (docs/mailgun-api.md,
			// "Credentials"): the CRD takes lower case, and a login
			// listed in another case is the same login.
			if strings.EqualFold(it.Login, login) {
				return true, nil
			}
		}
		skip += len(page.Items)
		if len(page.Items) == 0 || skip >= page.TotalCount {
			return false, nil
		}
	}
}

// password reads the password and the Secret's version, and checks
// Mailgun's length rule (docs/mailgun-api.md, "Credentials") so that a
// wrong Secret stops here with a message instead of a 400.
func (x *credentialExternal) password(ctx context.Context, c *v1alpha1.SMTPCredential) ([]byte, string, error) {
	ref := c.Spec.PasswordSecretRef
	key := types.NamespacedName{Namespace: c.Namespace, Name: string(ref.Name)}
	pwd, rv, err := x.secrets.Value(ctx, key, ref.SecretKeyOrDefault())
	if err != nil {
		return nil, "", err
	}
	if n := utf8.RuneCount(pwd); n < 5 || n > 32 {
		return nil, "", stalledError(ReasonInvalidSpec, fmt.Errorf(
			"the password in secret %s key %q has %d characters; Mailgun takes 5 to 32: change the Secret", key, ref.SecretKeyOrDefault(), n))
	}
	return pwd, rv, nil
}

func (x *credentialExternal) Create(ctx context.Context, a mailgun.Account, c *v1alpha1.SMTPCredential) (observation, error) {
	pwd, rv, err := x.password(ctx, c)
	if err != nil {
		return observation{}, err
	}
	login := c.Spec.FullLogin()
	hash, err := passwordHash(pwd)
	if err != nil {
		return observation{}, err
	}
	// The version is recorded before the POST: should its answer be lost
	// after Mailgun made the login, the next Observe finds the login with
	// this password, which Mailgun may refuse to set again
	// (docs/mailgun-api.md, "Credentials").
	prevVersion, prevHash := c.Status.PasswordVersion, c.Status.PasswordHash
	c.Status.Login, c.Status.PasswordVersion, c.Status.PasswordHash = login, rv, hash
	err = x.api.CreateCredential(ctx, a, c.Spec.Domain, login, string(pwd))
	if err == nil {
		return observation{exists: true, upToDate: true}, nil
	}
	if !postMayHaveCreated(err) {
		// Nothing was made with this password: a login found later
		// (adopted, say) must have its password set. Whatever an earlier
		// create whose answer was lost sent stays recorded: "already
		// exists" may be that create's login (the engine waits for it).
		c.Status.PasswordVersion, c.Status.PasswordHash = prevVersion, prevHash
	}
	if errors.Is(err, mailgun.ErrConflict) && !c.Spec.Adopt {
		// The login exists but was not listed a moment ago. The engine
		// decides (Engine.conflict): a lost create of this resource, or a
		// login it has listed before, is waited for, as Mailgun may not be
		// listing it yet (docs/mailgun-api.md, "Eventual consistency"); a
		// login never seen here is someone else's, and this is the how-to.
		// With spec.adopt, the engine waits for it and it is adopted once
		// it is listed (adoptsOnConflict).
		return observation{}, stalledError(ReasonConflict, fmt.Errorf(
			"login %s already exists in Mailgun: set spec.adopt: true to take it over, or choose another login: %w", login, err))
	}
	return observation{}, domainMissing(err, c.Spec.Domain)
}

func (x *credentialExternal) Update(ctx context.Context, a mailgun.Account, c *v1alpha1.SMTPCredential, obs observation) error {
	st := obs.state.(*credentialState)
	hash, err := passwordHash(st.password)
	if err != nil {
		return err
	}
	// sentBefore: an earlier attempt sent this very password and its
	// answer was lost (recorded before this attempt's own mark).
	sentBefore := c.Status.PendingPasswordVersion == st.version
	wroteAhead, err := x.markPending(ctx, c, st.version)
	if err != nil {
		return err
	}
	err = x.sendPassword(ctx, a, c, st, hash, sentBefore)
	if wroteAhead && c.Status.PendingPasswordVersion == "" {
		// Settled either way: the outcome is written here with the mark
		// cleared, rather than left to the engine's status patch, which
		// sends only what differs from the object it read (where the mark
		// was not set).
		if perr := x.writeStatus(ctx, c, map[string]any{"pendingPasswordVersion": nil,
			"passwordVersion": orNil(c.Status.PasswordVersion), "passwordHash": orNil(c.Status.PasswordHash)}); perr != nil && err == nil {
			return perr
		}
	}
	return err
}

// sendPassword sends the PUT and reads its answer. It leaves
// PendingPasswordVersion set only when the change may have been applied.
func (x *credentialExternal) sendPassword(ctx context.Context, a mailgun.Account, c *v1alpha1.SMTPCredential, st *credentialState, hash string, sentBefore bool) error {
	err := x.api.UpdateCredential(ctx, a, c.Spec.Domain, c.Spec.FullLogin(), string(st.password))
	switch {
	case err == nil:
		c.Status.PasswordVersion, c.Status.PendingPasswordVersion, c.Status.PasswordHash = st.version, "", hash
		return nil
	case postMayHaveCreated(err):
		// The change may have been applied; if it was, sending it again
		// may be refused as unchanged.
		c.Status.PendingPasswordVersion = st.version
		return err
	case errors.Is(err, mailgun.ErrInvalid) && sentBefore:
		// This very password was sent before and its answer lost: the
		// refusal says Mailgun has it already (docs/mailgun-api.md,
		// "Credentials", the 400 reading).
		c.Status.PasswordVersion, c.Status.PendingPasswordVersion, c.Status.PasswordHash = st.version, "", hash
		return nil
	}
	// Mailgun answered, and did not apply it.
	c.Status.PendingPasswordVersion = ""
	if errors.Is(err, mailgun.ErrInvalid) {
		// Mailgun may refuse a password equal to the current one
		// (docs/mailgun-api.md, "Credentials"; unverified). That is for the
		// user to see, never to be taken as applied: it may mean anything.
		return stalledError(ReasonInvalidSpec, fmt.Errorf(
			"Mailgun refused the new password (if the Secret holds the login's current password, Mailgun may refuse to set it again: "+
				"change the password in the Secret): %w", err))
	}
	return domainMissing(err, c.Spec.Domain)
}

// markPending records, before the PUT, that the password of version v is
// being sent: should the process stop before the answer is recorded, the
// next attempt knows that a 400 to the same password means Mailgun has it
// (docs/mailgun-api.md, "Credentials"). Returns whether it wrote.
func (x *credentialExternal) markPending(ctx context.Context, c *v1alpha1.SMTPCredential, v string) (bool, error) {
	if x.status == nil || c.Status.PendingPasswordVersion == v {
		return false, nil
	}
	if err := x.writeStatus(ctx, c, map[string]any{"pendingPasswordVersion": v}); err != nil {
		return false, err
	}
	c.Status.PendingPasswordVersion = v
	return true, nil
}

// writeStatus sets status fields on the API server (nil removes one) with
// a merge patch naming exactly them: what the server holds, not the copy in
// memory, decides nothing. The answer goes to a copy, so that the status
// the engine holds for this reconcile stays; only the resourceVersion
// follows, so that the engine's later writes with the optimistic lock do
// not conflict with this one.
func (x *credentialExternal) writeStatus(ctx context.Context, c *v1alpha1.SMTPCredential, fields map[string]any) error {
	body, err := json.Marshal(map[string]any{"status": fields})
	if err != nil {
		return err
	}
	cp := c.DeepCopy()
	if err := x.status.Patch(ctx, cp, client.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("cannot record the password change of %s: %w", c.Name, err)
	}
	c.SetResourceVersion(cp.GetResourceVersion())
	return nil
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (x *credentialExternal) Delete(ctx context.Context, a mailgun.Account, c *v1alpha1.SMTPCredential) error {
	// A 404 (the login or its whole domain gone) is done for the engine.
	return x.api.DeleteCredential(ctx, a, c.Spec.Domain, c.Spec.FullLogin())
}

// adoptsOnConflict: a login the create is told exists is taken over once
// Mailgun lists it only when the user asked (spec.adopt), as Observe does.
func (x *credentialExternal) adoptsOnConflict(c *v1alpha1.SMTPCredential) bool { return c.Spec.Adopt }

// Identity is the login's domain and full address.
func (x *credentialExternal) Identity(c *v1alpha1.SMTPCredential) string {
	return c.Spec.Domain + "/" + c.Spec.FullLogin()
}
