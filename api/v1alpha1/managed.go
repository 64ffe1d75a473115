package v1alpha1

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Managed is a kind whose object lives in Mailgun: the operator's shared
// engine reconciles any of them through these accessors.
// +kubebuilder:object:generate=false
type Managed interface {
	metav1.Object
	runtime.Object
	GetManagedSpec() *ManagedSpec
	GetManagedStatus() *ManagedStatus
	// GetWholeStatus is the kind's entire status, its own fields included
	// (a domain's applied password version, say), so that a change to any
	// of them is written.
	GetWholeStatus() any
}

func (d *MailgunDomain) GetManagedSpec() *ManagedSpec     { return &d.Spec.ManagedSpec }
func (d *MailgunDomain) GetManagedStatus() *ManagedStatus { return &d.Status.ManagedStatus }
func (d *MailgunDomain) GetWholeStatus() any              { return &d.Status }
func (w *Webhook) GetWholeStatus() any                    { return &w.Status }
func (r *Route) GetWholeStatus() any                      { return &r.Status }
func (w *Webhook) GetManagedSpec() *ManagedSpec           { return &w.Spec.ManagedSpec }
func (w *Webhook) GetManagedStatus() *ManagedStatus       { return &w.Status.ManagedStatus }
func (r *Route) GetManagedSpec() *ManagedSpec             { return &r.Spec.ManagedSpec }
func (r *Route) GetManagedStatus() *ManagedStatus         { return &r.Status.ManagedStatus }

// GetStatus gives the shared status of a MailgunAccount.
func (a *MailgunAccount) GetStatus() *Status { return &a.Status.Status }

// SecretKeyOrDefault is the Secret key holding the API key.
func (r APIKeySecretReference) SecretKeyOrDefault() string {
	if r.Key == "" {
		return DefaultAPIKeySecretKey
	}
	return string(r.Key)
}

func (c *SMTPCredential) GetManagedSpec() *ManagedSpec     { return &c.Spec.ManagedSpec }
func (c *SMTPCredential) GetManagedStatus() *ManagedStatus { return &c.Status.ManagedStatus }
func (c *SMTPCredential) GetWholeStatus() any              { return &c.Status }

// FullLogin is the login as Mailgun lists it: user@domain.
func (s *SMTPCredentialSpec) FullLogin() string {
	if strings.Contains(s.Login, "@") {
		return s.Login
	}
	return s.Login + "@" + s.Domain
}

// SecretKeyOrDefault is the Secret key holding the password.
func (r PasswordSecretReference) SecretKeyOrDefault() string {
	if r.Key == "" {
		return "password"
	}
	return string(r.Key)
}

func (t *Template) GetManagedSpec() *ManagedSpec     { return &t.Spec.ManagedSpec }
func (t *Template) GetManagedStatus() *ManagedStatus { return &t.Status.ManagedStatus }
func (t *Template) GetWholeStatus() any              { return &t.Status }

func (l *MailingList) GetManagedSpec() *ManagedSpec     { return &l.Spec.ManagedSpec }
func (l *MailingList) GetManagedStatus() *ManagedStatus { return &l.Status.ManagedStatus }
func (l *MailingList) GetWholeStatus() any              { return &l.Status }
