package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClickTracking is the click tracking mode of a domain.
// +kubebuilder:validation:Enum=on;off;htmlOnly
type ClickTracking string

const (
	ClickTrackingOn       ClickTracking = "on"
	ClickTrackingOff      ClickTracking = "off"
	ClickTrackingHTMLOnly ClickTracking = "htmlOnly"
)

// Tracking holds a domain's tracking settings. An unset field is left as it
// is in Mailgun.
type Tracking struct {
	// click tracking: on, off, or htmlOnly (only in HTML messages).
	// +optional
	Click ClickTracking `json:"click,omitempty"`

	// open turns open tracking on or off.
	// +optional
	Open *bool `json:"open,omitempty"`

	// unsubscribe turns the unsubscribe link on or off and sets its footers.
	// +optional
	Unsubscribe *UnsubscribeTracking `json:"unsubscribe,omitempty"`
}

// UnsubscribeTracking is the unsubscribe-link setting of a domain.
type UnsubscribeTracking struct {
	// enabled adds an unsubscribe link to every message.
	// +required
	Enabled bool `json:"enabled"`

	// htmlFooter is the HTML footer holding the link, with %unsubscribe_url%.
	// Unset keeps Mailgun's.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	HTMLFooter *string `json:"htmlFooter,omitempty"`

	// textFooter is the plain-text footer, with %unsubscribe_url%. Unset
	// keeps Mailgun's.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	TextFooter *string `json:"textFooter,omitempty"`
}

// SMTPPasswordSecretReference names the Secret key that holds a domain's SMTP
// password.
type SMTPPasswordSecretReference struct {
	// name of the Secret, in the same namespace as the MailgunDomain.
	// +required
	Name SecretName `json:"name"`

	// key within the Secret's data that holds the password.
	// +optional
	// +kubebuilder:default=password
	Key SecretKey `json:"key,omitempty"`
}

// MailgunDomainSpec is the desired state of a Mailgun sending domain. Every
// optional setting left unset is left as it is in Mailgun.
// +kubebuilder:validation:XValidation:rule="has(self.dkimKeySize) == has(oldSelf.dkimKeySize)",message="dkimKeySize cannot be added or removed: Mailgun sets the DKIM key size only when it creates the domain"
type MailgunDomainSpec struct {
	ManagedSpec `json:",inline"`

	// domainName is the domain in Mailgun, for example mg.example.com.
	// Immutable: to move to another domain, create another MailgunDomain.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\\\.)+[a-z][-a-z0-9]{0,61}[a-z0-9]$')",message="domainName must be a lower-case DNS name with at least two labels, for example mg.example.com"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domainName is immutable: create another MailgunDomain for another domain"
	DomainName string `json:"domainName"`

	// spamAction: disabled, tag (mark spam with a header) or block.
	// +optional
	// +kubebuilder:validation:Enum=disabled;tag;block
	SpamAction string `json:"spamAction,omitempty"`

	// wildcard accepts mail for every subdomain too.
	// +optional
	Wildcard *bool `json:"wildcard,omitempty"`

	// dkimKeySize is the DKIM key length, set when Mailgun creates the domain.
	// Immutable.
	// +optional
	// +kubebuilder:validation:Enum=1024;2048
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="dkimKeySize is immutable: Mailgun sets the DKIM key size only when it creates the domain"
	DKIMKeySize *int32 `json:"dkimKeySize,omitempty"`

	// dkimSelector is the DKIM selector (the DNS label before ._domainkey).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`
	DKIMSelector string `json:"dkimSelector,omitempty"`

	// forceDKIMAuthority makes this domain its own DKIM authority, even when
	// it is a subdomain of another Mailgun domain.
	// +optional
	ForceDKIMAuthority *bool `json:"forceDKIMAuthority,omitempty"`

	// webScheme of the tracking links: http or https.
	// +optional
	// +kubebuilder:validation:Enum=http;https
	WebScheme string `json:"webScheme,omitempty"`

	// webPrefix is the host label of the tracking links (default in Mailgun:
	// email).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	WebPrefix string `json:"webPrefix,omitempty"`

	// requireTLS refuses to deliver over connections without TLS.
	// +optional
	RequireTLS *bool `json:"requireTLS,omitempty"`

	// skipVerification skips the certificate check on TLS deliveries.
	// +optional
	SkipVerification *bool `json:"skipVerification,omitempty"`

	// useAutomaticSenderSecurity lets Mailgun manage DKIM through two CNAMEs.
	// +optional
	UseAutomaticSenderSecurity *bool `json:"useAutomaticSenderSecurity,omitempty"`

	// tracking holds the click, open and unsubscribe tracking settings.
	// +optional
	Tracking *Tracking `json:"tracking,omitempty"`

	// smtpPasswordSecretRef points at the SMTP password of the domain's
	// postmaster login, used at create and to rotate it when the Secret
	// changes. Mailgun never returns the password, so its drift cannot be
	// seen.
	// +optional
	SMTPPasswordSecretRef *SMTPPasswordSecretReference `json:"smtpPasswordSecretRef,omitempty"`

	// requireVerifiedDNS makes Ready also wait until Mailgun has verified the
	// domain's DNS records.
	// +optional
	RequireVerifiedDNS bool `json:"requireVerifiedDNS,omitempty"`

	// publishDNS publishes the records Mailgun asks for (status) through
	// external-dns.
	// +optional
	PublishDNS *PublishDNS `json:"publishDNS,omitempty"`
}

// PublishDNS says how a domain's DNS records are published.
type PublishDNS struct {
	// externalDNS keeps a DNSEndpoint (externaldns.k8s.io/v1alpha1) of the
	// same name as the MailgunDomain, in its namespace, marked with the
	// mailgun.operator.dev/dns-endpoint-of annotation, with the sending and
	// receiving records; it follows record changes. It is deleted only once
	// Mailgun has deleted the domain: a domain kept in Mailgun
	// (deletionPolicy Orphan, CRD removal) keeps its DNSEndpoint, so it
	// carries no ownerReference. Without the DNSEndpoint CRD installed, or
	// when writing it fails, the domain says so in its DNSPublished
	// condition and stays Ready.
	// +required
	ExternalDNS bool `json:"externalDNS"`

	// labels to put on the DNSEndpoint, for the external-dns instance that
	// should pick it up (its --label-filter).
	// +optional
	Labels map[string]string `json:"labels,omitempty"`

	// annotations to put on the DNSEndpoint (its --annotation-filter).
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// recordTTL of every record, in seconds; unset leaves it to external-dns.
	// +optional
	// +kubebuilder:validation:Minimum=1
	RecordTTL *int64 `json:"recordTTL,omitempty"`
}

// DNSRecord is one DNS record Mailgun asks to be published.
type DNSRecord struct {
	// recordType: TXT, CNAME or MX.
	RecordType string `json:"recordType"`
	// name of the record.
	Name string `json:"name"`
	// value of the record.
	Value string `json:"value"`
	// priority of an MX record.
	// +optional
	Priority string `json:"priority,omitempty"`
	// valid is Mailgun's last check of the record: valid, invalid or unknown.
	// +optional
	Valid string `json:"valid,omitempty"`
}

// MailgunDomainStatus is the observed state of a MailgunDomain.
type MailgunDomainStatus struct {
	ManagedStatus `json:",inline"`

	// state of the domain in Mailgun: unverified, active or disabled.
	// +optional
	State string `json:"state,omitempty"`

	// smtpLogin is the domain's default SMTP login.
	// +optional
	SMTPLogin string `json:"smtpLogin,omitempty"`

	// sendingDNSRecords are the records to publish for sending (SPF, DKIM,
	// tracking CNAME), with Mailgun's last check of each.
	// +optional
	SendingDNSRecords []DNSRecord `json:"sendingDNSRecords,omitempty"`

	// receivingDNSRecords are the MX records to publish for receiving.
	// +optional
	ReceivingDNSRecords []DNSRecord `json:"receivingDNSRecords,omitempty"`

	// dkimSelector is the selector last applied, since Mailgun does not
	// return it.
	// +optional
	DKIMSelector string `json:"dkimSelector,omitempty"`

	// forceDKIMAuthority is the DKIM authority setting last applied, since
	// Mailgun does not return it.
	// +optional
	ForceDKIMAuthority *bool `json:"forceDKIMAuthority,omitempty"`

	// clickTracking is the click tracking mode last applied. Mailgun reads
	// "htmlOnly" back as plain "active", so this tells the two apart.
	// +optional
	ClickTracking ClickTracking `json:"clickTracking,omitempty"`

	// smtpPasswordVersion is the resourceVersion of the password Secret last
	// applied; a new version rotates the password.
	// +optional
	SMTPPasswordVersion string `json:"smtpPasswordVersion,omitempty"`
}

// MailgunDomain is a Mailgun sending domain: its settings, tracking and the
// DNS records to publish for it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgd,categories=mailgun
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domainName`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="DNS",type=string,JSONPath=`.status.conditions[?(@.type=="DNSVerified")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MailgunDomain struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the domain.
	// +required
	Spec MailgunDomainSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status MailgunDomainStatus `json:"status,omitempty"`
}

// MailgunDomainList is a list of MailgunDomain.
// +kubebuilder:object:root=true
type MailgunDomainList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MailgunDomain `json:"items"`
}

// ConditionDNSVerified is True once Mailgun has verified the domain's DNS.
const ConditionDNSVerified = "DNSVerified"

func init() {
	register(&MailgunDomain{}, &MailgunDomainList{})
}
