package controller

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// Accounts turns a MailgunAccount into a ready-to-use mailgun.Account. The
// key is read once per version of its Secret (see Secrets), so a rotated key
// takes effect without a restart.
type Accounts struct {
	// Cached reads MailgunAccounts from the informer.
	Cached  client.Reader
	Secrets Secrets
	// Policy says which API addresses may be called (see endpoint.go).
	Policy HostPolicy

	mu      sync.Mutex
	byOwner map[types.NamespacedName]resolvedKey
}

// resolvedKey remembers the account built from one version of one Secret key.
type resolvedKey struct {
	secretRV string
	key      string
	baseURL  string
	account  mailgun.Account
}

// Get returns the MailgunAccount name in namespace ns.
func (a *Accounts) Get(ctx context.Context, ns, name string) (*v1alpha1.MailgunAccount, error) {
	acct := &v1alpha1.MailgunAccount{}
	if err := a.Cached.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, acct); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, stalledError(ReasonAccountNotFound,
				fmt.Errorf("MailgunAccount %q not found in namespace %s: create it or fix spec.accountRef.name", name, ns))
		}
		return nil, fmt.Errorf("cannot get MailgunAccount %s/%s: %w", ns, name, err)
	}
	return acct, nil
}

// Resolve builds the mailgun.Account of acct from its Secret.
func (a *Accounts) Resolve(ctx context.Context, acct *v1alpha1.MailgunAccount) (mailgun.Account, error) {
	return a.resolve(ctx, acct, false)
}

// ResolveForDelete is Resolve for deleting from Mailgun: when the Secret is
// already gone (`kubectl delete -k` removes it together with the objects),
// the last key read from it still serves, so the deletion completes.
func (a *Accounts) ResolveForDelete(ctx context.Context, acct *v1alpha1.MailgunAccount) (mailgun.Account, error) {
	return a.resolve(ctx, acct, true)
}

func (a *Accounts) resolve(ctx context.Context, acct *v1alpha1.MailgunAccount, forDelete bool) (mailgun.Account, error) {
	ref := acct.Spec.APIKeySecretRef
	secretKey := types.NamespacedName{Namespace: acct.Namespace, Name: string(ref.Name)}
	baseURL := baseURLOf(acct)
	if forDelete && acct.Status.APIBaseURL != "" {
		// A deletion goes where the object lives, even if the account
		// has been pointed elsewhere since (see accountMoved).
		baseURL = acct.Status.APIBaseURL
	}
	// Checked before the Secret is read: a refused address never gets the key.
	if err := a.CheckURL(baseURL); err != nil {
		return mailgun.Account{}, err
	}
	staleOK := forDelete
	owner := client.ObjectKeyFromObject(acct)
	dataKey := ref.SecretKeyOrDefault()

	a.mu.Lock()
	cached, ok := a.byOwner[owner]
	a.mu.Unlock()
	rv, err := a.Secrets.Version(ctx, secretKey)
	if err != nil {
		if staleOK && ok && cached.baseURL == baseURL {
			return cached.account, nil
		}
		return mailgun.Account{}, err
	}
	if ok && cached.secretRV == rv && cached.key == dataKey && cached.baseURL == baseURL {
		return cached.account, nil
	}

	apiKey, rv, err := a.Secrets.Value(ctx, secretKey, dataKey)
	if err != nil {
		return mailgun.Account{}, err
	}
	account, err := mailgun.NewAccount(baseURL, string(apiKey))
	if err != nil {
		return mailgun.Account{}, stalledError(ReasonInvalidSpec, fmt.Errorf("cannot use account %s: %w", owner, err))
	}
	a.mu.Lock()
	if a.byOwner == nil {
		a.byOwner = map[types.NamespacedName]resolvedKey{}
	}
	a.byOwner[owner] = resolvedKey{secretRV: rv, key: dataKey, baseURL: baseURL, account: account}
	a.mu.Unlock()
	return account, nil
}

// CheckURL is Policy.Check as a Stalled InvalidSpec: only a change of the
// account or of the manager's flags fixes it.
func (a *Accounts) CheckURL(baseURL string) error {
	if err := a.Policy.Check(baseURL); err != nil {
		return stalledError(ReasonInvalidSpec, err)
	}
	return nil
}

// Forget drops what is remembered of a deleted account.
func (a *Accounts) Forget(owner types.NamespacedName) {
	a.mu.Lock()
	delete(a.byOwner, owner)
	a.mu.Unlock()
}

func baseURLOf(acct *v1alpha1.MailgunAccount) string {
	if acct.Spec.APIBaseURL != "" {
		return acct.Spec.APIBaseURL
	}
	return mailgun.BaseURLFor(mailgun.Region(acct.Spec.Region))
}
