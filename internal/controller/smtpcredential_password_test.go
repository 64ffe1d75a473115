package controller

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// oneLogin is a credentialAPI that lists one login.
type oneLogin struct {
	credentialAPI
	login string
}

func (f oneLogin) ListCredentials(context.Context, mailgun.Account, string, mailgun.ListOptions) (mailgun.CredentialPage, error) {
	return mailgun.CredentialPage{Items: []mailgun.Credential{{Login: f.login}}, TotalCount: 1}, nil
}

// TestCredentialPasswordNotResent: a password is sent again only when the
// Secret's value differs from what was applied, not when its version moved
// for another reason (metadata, another key) nor when the metadata cache
// is older than the version recorded.
func TestCredentialPasswordNotResent(t *testing.T) {
	applied, err := passwordHash([]byte("pass word "))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		value      string // the Secret's password now
		cachedRV   string // "" : the cache is current
		status     v1alpha1.SMTPCredentialStatus
		wantSend   bool
		wantRecord bool // the Secret's current version recorded as applied
	}{
		{name: "metadata-only change: same password, new version recorded",
			value: "pass word ", status: v1alpha1.SMTPCredentialStatus{PasswordVersion: "1", PasswordHash: applied}, wantRecord: true},
		{name: "stale cache: the direct read is the version applied",
			value: "pass word ", cachedRV: "1", status: v1alpha1.SMTPCredentialStatus{PasswordVersion: "CURRENT", PasswordHash: applied}},
		{name: "new password is sent",
			value: "another-one", status: v1alpha1.SMTPCredentialStatus{PasswordVersion: "1", PasswordHash: applied}, wantSend: true},
		{name: "trailing space is part of the password",
			value: "pass word", status: v1alpha1.SMTPCredentialStatus{PasswordVersion: "1", PasswordHash: applied}, wantSend: true},
		{name: "no hash recorded (older status): sent",
			value: "pass word ", status: v1alpha1.SMTPCredentialStatus{PasswordVersion: "1"}, wantSend: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "pw", Namespace: "ns"}, Data: map[string][]byte{"password": []byte(tc.value)}}
			direct := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(secret).Build()
			cur := &corev1.Secret{}
			if err := direct.Get(context.Background(), client.ObjectKeyFromObject(secret), cur); err != nil {
				t.Fatal(err)
			}
			status := tc.status
			if status.PasswordVersion == "CURRENT" {
				status.PasswordVersion = cur.ResourceVersion
			}
			cached := direct
			if tc.cachedRV != "" {
				cached = fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(secret).WithInterceptorFuncs(interceptor.Funcs{
					Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
						if err := c.Get(ctx, key, obj, opts...); err != nil {
							return err
						}
						obj.SetResourceVersion(tc.cachedRV)
						return nil
					}}).Build()
			}
			x := &credentialExternal{api: oneLogin{login: "bob@mg.example.com"}, secrets: Secrets{Cached: cached, Direct: direct}}
			c := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "bob", Namespace: "ns"},
				Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob", Adopt: true,
					PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}},
				Status: status}
			obs, err := x.Observe(context.Background(), mailgun.Account{}, c)
			if err != nil {
				t.Fatal(err)
			}
			if obs.upToDate == tc.wantSend {
				t.Fatalf("upToDate %v (diff %q), want a send: %v", obs.upToDate, obs.diff, tc.wantSend)
			}
			if tc.wantRecord && c.Status.PasswordVersion != cur.ResourceVersion {
				t.Errorf("passwordVersion %q, want %q recorded", c.Status.PasswordVersion, cur.ResourceVersion)
			}
		})
	}
}

// TestPasswordHashRevealsNothing: the fingerprint is salted (two hashes
// of one password differ) and does not hold the password.
func TestPasswordHashRevealsNothing(t *testing.T) {
	a, err := passwordHash([]byte("s3cret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := passwordHash([]byte("s3cret-pass"))
	if a == b {
		t.Error("two hashes of one password are equal: not salted")
	}
	if !samePassword(a, []byte("s3cret-pass")) || samePassword(a, []byte("s3cret-pas")) || samePassword("", []byte("s3cret-pass")) {
		t.Error("samePassword does not tell the password")
	}
	if contains := len(a) > 0 && (string(a) == "s3cret-pass" || indexOf(a, "s3cret") >= 0); contains {
		t.Error("the hash holds the password")
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// TestCredentialFoundInAnotherCase: a login Mailgun lists in another case
// is the same login (Mailgun's case is unverified, docs/mailgun-api.md).
func TestCredentialFoundInAnotherCase(t *testing.T) {
	x := &credentialExternal{api: oneLogin{login: "Bob@MG.example.com"}}
	found, err := x.find(context.Background(), mailgun.Account{}, "mg.example.com", "bob@mg.example.com")
	if err != nil || !found {
		t.Fatalf("found %v, %v; want the login listed in another case", found, err)
	}
}

// putWatcher is a credentialAPI whose UpdateCredential reads, as Mailgun
// receives the PUT, what the API server holds of the resource.
type putWatcher struct {
	credentialAPI
	k8s          client.Client
	key          client.ObjectKey
	pendingAtPut string
	fail         error
}

func (p *putWatcher) UpdateCredential(ctx context.Context, _ mailgun.Account, _, _, _ string) error {
	cur := &v1alpha1.SMTPCredential{}
	if err := p.k8s.Get(ctx, p.key, cur); err != nil {
		return err
	}
	p.pendingAtPut = cur.Status.PendingPasswordVersion
	return p.fail
}

// TestCredentialPasswordWriteAhead: pendingPasswordVersion is on the API
// server before the PUT leaves, stays there when the answer is lost, and
// is cleared once the PUT succeeded.
func TestCredentialPasswordWriteAhead(t *testing.T) {
	for _, tc := range []struct {
		name        string
		fail        error
		wantPending string
	}{
		{name: "applied: mark cleared", wantPending: ""},
		{name: "answer lost: mark kept", fail: mailgun.Classify(mailgun.OpUpdateCredential, 503, nil, nil), wantPending: "7"},
		{name: "refused (400, first send): mark cleared", fail: mailgun.Classify(mailgun.OpUpdateCredential, 400, nil, []byte(`{"message":"same password"}`)), wantPending: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &v1alpha1.SMTPCredential{ObjectMeta: metav1.ObjectMeta{Name: "bob", Namespace: "ns"},
				Spec: v1alpha1.SMTPCredentialSpec{Domain: "mg.example.com", Login: "bob", PasswordSecretRef: v1alpha1.PasswordSecretReference{Name: "pw"}}}
			k := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(c).WithStatusSubresource(c).Build()
			if err := k.Get(context.Background(), client.ObjectKeyFromObject(c), c); err != nil {
				t.Fatal(err)
			}
			api := &putWatcher{k8s: k, key: client.ObjectKeyFromObject(c), fail: tc.fail}
			x := &credentialExternal{api: api, status: k.Status()}
			_ = x.Update(context.Background(), mailgun.Account{}, c, observation{state: &credentialState{password: []byte("new-pass"), version: "7"}})
			if api.pendingAtPut != "7" {
				t.Errorf("pendingPasswordVersion at the PUT %q, want 7 (written ahead)", api.pendingAtPut)
			}
			cur := &v1alpha1.SMTPCredential{}
			if err := k.Get(context.Background(), client.ObjectKeyFromObject(c), cur); err != nil {
				t.Fatal(err)
			}
			if tc.fail == nil && (cur.Status.PasswordVersion != "7" || !samePassword(cur.Status.PasswordHash, []byte("new-pass"))) {
				t.Errorf("applied password not on the server: version %q", cur.Status.PasswordVersion)
			}
			if cur.ResourceVersion != c.ResourceVersion {
				t.Errorf("resourceVersion in memory %q, server %q: the engine's locked writes would conflict", c.ResourceVersion, cur.ResourceVersion)
			}
			if cur.Status.PendingPasswordVersion != tc.wantPending || c.Status.PendingPasswordVersion != tc.wantPending {
				t.Errorf("pending on the server %q, in memory %q; want %q", cur.Status.PendingPasswordVersion, c.Status.PendingPasswordVersion, tc.wantPending)
			}
		})
	}
}
