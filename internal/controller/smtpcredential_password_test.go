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
