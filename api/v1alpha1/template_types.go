package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TemplateEngine renders a template version.
// +kubebuilder:validation:Enum=handlebars;go
type TemplateEngine string

// ConfigMapKeyReference names one key of a ConfigMap in the resource's
// namespace.
type ConfigMapKeyReference struct {
	// name of the ConfigMap.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key within the ConfigMap's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// TemplateSource is where a version's body comes from, when not inline.
type TemplateSource struct {
	// configMapKeyRef names the ConfigMap key holding the body. A change to
	// the ConfigMap is applied to Mailgun.
	// +required
	ConfigMapKeyRef ConfigMapKeyReference `json:"configMapKeyRef"`
}

// TemplateVersionSpec is one version of a template.
// +kubebuilder:validation:XValidation:rule="has(self.template) != has(self.templateFrom)",message="set exactly one of template (the body inline) and templateFrom (the body from a ConfigMap key)"
type TemplateVersionSpec struct {
	// tag names the version in Mailgun: lower-case letters, digits and
	// ".-_~".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9._~-]+$')",message="tag may contain only lower-case letters, digits and .-_~"
	Tag string `json:"tag"`

	// engine renders the body: handlebars (Mailgun's default) or go.
	// Mailgun cannot change the engine of a version: use a new tag.
	// +optional
	// +kubebuilder:default=handlebars
	Engine TemplateEngine `json:"engine,omitempty"`

	// comment describes the version in the Mailgun console. Unset leaves
	// Mailgun's; "" clears it.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Comment *string `json:"comment,omitempty"`

	// template is the body inline (Mailgun takes at most 100 KB). For
	// large bodies or many versions use templateFrom: a resource is limited
	// to about 1.5 MB in all.
	// +optional
	// +kubebuilder:validation:MaxLength=102400
	Template *string `json:"template,omitempty"`

	// templateFrom reads the body from a ConfigMap key.
	// +optional
	TemplateFrom *TemplateSource `json:"templateFrom,omitempty"`
}

// TemplateSpec is the desired state of a stored message template.
// +kubebuilder:validation:XValidation:rule="!has(self.active) || self.versions.exists(v, v.tag == self.active)",message="active must be the tag of one of spec.versions"
// +kubebuilder:validation:XValidation:rule="oldSelf.versions.all(o, self.versions.all(n, n.tag != o.tag || n.engine == o.engine))",message="the engine of a version cannot change (Mailgun cannot change it): add a version with a new tag instead"
type TemplateSpec struct {
	ManagedSpec `json:",inline"`

	// domain is the Mailgun domain name (not a MailgunDomain resource name),
	// for example mg.example.com. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == self.lowerAscii()",message="domain must be lower-case, for example mg.example.com"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domain is immutable: create another Template for another domain"
	Domain string `json:"domain"`

	// name of the template in Mailgun: lower-case letters, digits and
	// ".-_~" (Mailgun lower-cases names). Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9._~-]+$')",message="name may contain only lower-case letters, digits and .-_~ (Mailgun lower-cases template names)"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="name is immutable: create another Template for another name"
	Name string `json:"name"`

	// description of the template. Unset leaves Mailgun's (an adopted
	// template keeps its own); "" clears it.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description *string `json:"description,omitempty"`

	// versions are created, or updated when their body or comment differs.
	// Mailgun stores at most 40 versions per template.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=40
	// +listType=map
	// +listMapKey=tag
	Versions []TemplateVersionSpec `json:"versions"`

	// active is the tag of the version Mailgun sends with. Unset leaves the
	// active version as Mailgun has it (the first version made is active).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Active string `json:"active,omitempty"`

	// pruneVersions deletes the versions Mailgun has that are not in
	// spec.versions. Without it they are left alone.
	// +optional
	PruneVersions bool `json:"pruneVersions,omitempty"`
}

// TemplateVersionStatus is what Mailgun holds of one version of the spec.
type TemplateVersionStatus struct {
	// tag of the version.
	Tag string `json:"tag"`
	// engine of the version.
	// +optional
	Engine string `json:"engine,omitempty"`
	// bodyHash is the SHA-256 of the body Mailgun holds, in hex (bodies
	// are compared by hash and never copied into status).
	// +optional
	BodyHash string `json:"bodyHash,omitempty"`
}

// TemplateStatus is the observed state of a Template.
type TemplateStatus struct {
	ManagedStatus `json:",inline"`

	// active is the tag of the version Mailgun sends with.
	// +optional
	Active string `json:"active,omitempty"`

	// versions Mailgun holds of those in the spec, by tag.
	// +optional
	// +listType=map
	// +listMapKey=tag
	Versions []TemplateVersionStatus `json:"versions,omitempty"`

	// versionCount is how many versions Mailgun holds, the spec's and others.
	// +optional
	VersionCount int32 `json:"versionCount,omitempty"`
}

// Template is a stored message template of a Mailgun domain, with its
// versions; messages name it to be rendered by Mailgun.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgtpl,categories=mailgun
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Template",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Active",type=string,JSONPath=`.status.active`
// +kubebuilder:printcolumn:name="Versions",type=integer,JSONPath=`.status.versionCount`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Template struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the template.
	// +required
	Spec TemplateSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status TemplateStatus `json:"status,omitempty"`
}

// TemplateList is a list of Template.
// +kubebuilder:object:root=true
type TemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Template `json:"items"`
}

func init() {
	register(&Template{}, &TemplateList{})
}
