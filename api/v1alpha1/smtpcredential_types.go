package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PasswordSecretReference names the Secret key that holds a password.
type PasswordSecretReference struct {
	// name of the Secret, in the same namespace as the resource.
	// +required
	Name SecretName `json:"name"`

	// key within the Secret's data that holds the password.
	// +optional
	// +kubebuilder:default=password
	Key SecretKey `json:"key,omitempty"`
}

// SMTPCredentialSpec is the desired state of one SMTP login of a domain.
// +kubebuilder:validation:XValidation:rule="!self.login.contains('@') || self.login.endsWith('@' + self.domain)",message="login must be a local part (alice) or an address of spec.domain (alice@<domain>): Mailgun refuses logins of another domain"
type SMTPCredentialSpec struct {
	ManagedSpec `json:",inline"`

	// domain is the Mailgun domain name (not a MailgunDomain resource name),
	// for example mg.example.com. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == self.lowerAscii()",message="domain must be lower-case, for example mg.example.com: the operator finds the login by its name as Mailgun lists it"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domain is immutable: create another SMTPCredential for another domain"
	Domain string `json:"domain"`

	// login is the SMTP user name: a local part (alice) or the full address
	// (alice@mg.example.com). Immutable: Mailgun cannot rename a login.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=320
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s/]+(@[^@\\\\s/]+)?$')",message="login must be a local part such as alice, or an address such as alice@mg.example.com, without spaces or '/'"
	// +kubebuilder:validation:XValidation:rule="self == self.lowerAscii()",message="login must be lower-case, for example alice: the operator finds the login by its name as Mailgun lists it"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="login is immutable: Mailgun cannot rename a login; create another SMTPCredential"
	Login string `json:"login"`

	// passwordSecretRef names the Secret key holding the password (5 to 32
	// characters, as Mailgun requires). Changing the Secret rotates the
	// password in Mailgun. Mailgun never returns passwords: the operator
	// records the Secret version it applied in status.passwordVersion.
	// +required
	PasswordSecretRef PasswordSecretReference `json:"passwordSecretRef"`

	// adopt takes over a login that already exists in Mailgun, and sets its
	// password from the Secret (the existing password is unknown). Without
	// it, an existing login is a Conflict: it may be someone else's. An
	// adopted login stays in Mailgun on deletion unless deletionPolicy is
	// Delete.
	// +optional
	Adopt bool `json:"adopt,omitempty"`
}

// SMTPCredentialStatus is the observed state of an SMTPCredential.
type SMTPCredentialStatus struct {
	ManagedStatus `json:",inline"`

	// login is the full SMTP login as Mailgun lists it.
	// +optional
	Login string `json:"login,omitempty"`

	// passwordVersion is the resourceVersion of the Secret whose password
	// was last applied. Mailgun never returns passwords, so a Secret at
	// another version is what makes the operator set the password again.
	// +optional
	PasswordVersion string `json:"passwordVersion,omitempty"`

	// pendingPasswordVersion is the Secret version of a password change
	// whose answer was lost: Mailgun may have applied it, and may then
	// refuse the same password again, which the operator then reads as
	// applied.
	// +optional
	PendingPasswordVersion string `json:"pendingPasswordVersion,omitempty"`

	// passwordHash is a bcrypt hash (salted, slow) of the password last
	// applied. It never reveals the password; it tells a Secret whose
	// version changed but whose password did not (a label edit, another
	// key of a shared Secret), which then is not sent again.
	// +optional
	PasswordHash string `json:"passwordHash,omitempty"`
}

// SMTPCredential is an SMTP login (user name and password) of a Mailgun
// domain, for sending through smtp.mailgun.org.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgsmtp,categories=mailgun
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Login",type=string,JSONPath=`.status.login`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SMTPCredential struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the login.
	// +required
	Spec SMTPCredentialSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status SMTPCredentialStatus `json:"status,omitempty"`
}

// SMTPCredentialList is a list of SMTPCredential.
// +kubebuilder:object:root=true
type SMTPCredentialList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SMTPCredential `json:"items"`
}

func init() {
	register(&SMTPCredential{}, &SMTPCredentialList{})
}
