package controller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=templates,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=templates/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=mailgun.operator.dev,resources=templates/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get;list;watch

// ReasonConfigMapNotFound: a Template version's ConfigMap or key is missing.
const ReasonConfigMapNotFound = "ConfigMapNotFound"

// maxTemplateVersions is Mailgun's limit of versions per template
// (docs/mailgun-api.md, "Templates"); the CRD refuses more in the spec.
const maxTemplateVersions = 40

// templateAPI is the part of the Mailgun client templates use.
type templateAPI interface {
	CreateTemplate(ctx context.Context, a mailgun.Account, domain string, r mailgun.CreateTemplateRequest) (mailgun.Template, error)
	GetTemplate(ctx context.Context, a mailgun.Account, domain, name string) (mailgun.Template, error)
	UpdateTemplate(ctx context.Context, a mailgun.Account, domain, name, description string) error
	DeleteTemplate(ctx context.Context, a mailgun.Account, domain, name string) error
	ListTemplateVersions(ctx context.Context, a mailgun.Account, domain, name string) ([]mailgun.TemplateVersion, error)
	CreateTemplateVersion(ctx context.Context, a mailgun.Account, domain, name string, v mailgun.TemplateVersion) error
	GetTemplateVersion(ctx context.Context, a mailgun.Account, domain, name, tag string) (mailgun.TemplateVersion, error)
	UpdateTemplateVersion(ctx context.Context, a mailgun.Account, domain, name, tag string, r mailgun.UpdateTemplateVersionRequest) error
	DeleteTemplateVersion(ctx context.Context, a mailgun.Account, domain, name, tag string) error
}

// templateExternal adapts Template to the engine. A template's identity is
// (domain, name). Observe reads the template, its versions list (no
// bodies) and each spec version's body, which it compares by SHA-256 with
// the spec's: bodies can be large, so only hashes go into status.
type templateExternal struct {
	api templateAPI
	// configMaps reads bodies straight from the API server: the manager
	// caches no ConfigMap contents.
	configMaps client.Reader
}

// templatePlan is what Observe hands to Update.
type templatePlan struct {
	description bool
	create      []mailgun.TemplateVersion // in spec order
	update      map[string]mailgun.UpdateTemplateVersionRequest
	activate    string   // tag to make active, "" when it is
	prune       []string // versions to prune, never the active one
	// pruneActive is the active version when it is to be pruned: it goes
	// last, once another version has been made active (a template whose
	// active version is deleted serves nothing).
	pruneActive string
	hashes      map[string]string // tag -> the spec's body hash
}

func (p *templatePlan) empty() bool {
	return !p.description && len(p.create) == 0 && len(p.update) == 0 && p.activate == "" && len(p.prune) == 0 && p.pruneActive == ""
}

func (p *templatePlan) diff() string {
	var d []string
	if p.description {
		d = append(d, "description")
	}
	for _, v := range p.create {
		d = append(d, "version "+v.Tag+" created")
	}
	for _, tag := range sortedKeys(p.update) {
		d = append(d, "version "+tag)
	}
	if p.activate != "" {
		d = append(d, "active "+p.activate)
	}
	for _, tag := range p.prune {
		d = append(d, "version "+tag+" pruned")
	}
	if p.pruneActive != "" {
		d = append(d, "version "+p.pruneActive+" pruned")
	}
	return strings.Join(d, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func bodyHash(b string) string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

// bodies reads every spec version's body, inline or from its ConfigMap.
func (x *templateExternal) bodies(ctx context.Context, t *v1alpha1.Template) (map[string]string, error) {
	out := make(map[string]string, len(t.Spec.Versions))
	for _, v := range t.Spec.Versions {
		if v.Template != nil {
			out[v.Tag] = *v.Template
			continue
		}
		ref := v.TemplateFrom.ConfigMapKeyRef
		key := types.NamespacedName{Namespace: t.Namespace, Name: ref.Name}
		cm := &corev1.ConfigMap{}
		if err := x.configMaps.Get(ctx, key, cm); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, stalledError(ReasonConfigMapNotFound, fmt.Errorf("configmap %s (version %s) not found: create it", key, v.Tag))
			}
			return nil, fmt.Errorf("cannot read configmap %s: %w", key, err)
		}
		body, ok := cm.Data[ref.Key]
		if !ok {
			return nil, stalledError(ReasonConfigMapNotFound, fmt.Errorf("configmap %s has no key %q (version %s): add it or fix templateFrom", key, ref.Key, v.Tag))
		}
		if len(body) > 100<<10 {
			return nil, stalledError(ReasonInvalidSpec, fmt.Errorf("the body of version %s in configmap %s is %d bytes; Mailgun takes at most 100 KB", v.Tag, key, len(body)))
		}
		out[v.Tag] = body
	}
	return out, nil
}

func (x *templateExternal) Observe(ctx context.Context, a mailgun.Account, t *v1alpha1.Template) (observation, error) {
	d, name := t.Spec.Domain, t.Spec.Name
	got, err := x.api.GetTemplate(ctx, a, d, name)
	if errors.Is(err, mailgun.ErrNotFound) {
		// The template, or its whole domain: Create says which.
		t.Status.Versions, t.Status.Active, t.Status.VersionCount = nil, "", 0
		return observation{}, nil
	}
	if err != nil {
		return observation{}, err
	}
	bodies, err := x.bodies(ctx, t)
	if err != nil {
		return observation{}, err
	}
	have, err := x.api.ListTemplateVersions(ctx, a, d, name)
	if err != nil {
		return observation{}, err
	}
	plan := &templatePlan{update: map[string]mailgun.UpdateTemplateVersionRequest{}, hashes: map[string]string{}, description: t.Spec.Description != nil && got.Description != *t.Spec.Description}
	byTag := map[string]mailgun.TemplateVersion{}
	active := ""
	for _, v := range have {
		byTag[v.Tag] = v
		if v.Active {
			active = v.Tag
		}
	}
	t.Status.Active, t.Status.VersionCount = active, int32(len(have))
	t.Status.Versions = nil
	inSpec := map[string]bool{}
	for _, sv := range t.Spec.Versions {
		inSpec[sv.Tag] = true
		body := bodies[sv.Tag]
		plan.hashes[sv.Tag] = bodyHash(body)
		mv, exists := byTag[sv.Tag]
		if !exists {
			plan.create = append(plan.create, mailgun.TemplateVersion{Tag: sv.Tag, Engine: string(sv.Engine), Comment: deref(sv.Comment),
				Body: body, Active: sv.Tag == t.Spec.Active})
			continue
		}
		if mv.Engine != "" && sv.Engine != "" && mv.Engine != string(sv.Engine) {
			return observation{}, stalledError(ReasonConflict, fmt.Errorf(
				"version %s of template %s is %s in Mailgun, %s in the spec; Mailgun cannot change a version's engine: use a new tag",
				sv.Tag, name, mv.Engine, sv.Engine))
		}
		full, err := x.api.GetTemplateVersion(ctx, a, d, name, sv.Tag)
		if err != nil {
			return observation{}, err
		}
		h := bodyHash(full.Body)
		t.Status.Versions = append(t.Status.Versions, v1alpha1.TemplateVersionStatus{Tag: sv.Tag, Engine: mv.Engine, BodyHash: h})
		var req mailgun.UpdateTemplateVersionRequest
		if h != plan.hashes[sv.Tag] {
			req.Body = &body
		}
		if sv.Comment != nil && full.Comment != *sv.Comment { // unset: Mailgun's stands
			req.Comment = sv.Comment
		}
		if req.Body != nil || req.Comment != nil {
			plan.update[sv.Tag] = req
		}
	}
	planActive(t, active, inSpec, byTag, plan)
	for _, v := range have {
		if !inSpec[v.Tag] && t.Spec.PruneVersions && v.Tag != active {
			plan.prune = append(plan.prune, v.Tag)
		}
	}
	// Update prunes first, then creates: the most Mailgun holds at once is
	// this (the active version, when pruned, goes last).
	if n := len(have) - len(plan.prune) + len(plan.create); n > maxTemplateVersions {
		return observation{}, stalledError(ReasonInvalidSpec, fmt.Errorf(
			"template %s would hold %d versions (%d in Mailgun, %d to create, %d to prune); Mailgun stores at most %d: set pruneVersions: true to delete the versions not in the spec, or delete some",
			name, n, len(have), len(plan.create), len(plan.prune), maxTemplateVersions))
	}
	return observation{exists: true, upToDate: plan.empty(), diff: plan.diff(), state: plan}, nil
}

// planActive decides which version is to be active. spec.active wins.
// Without it, Mailgun's choice stands unless pruneVersions would delete the
// active version: then the last version of the spec becomes active first,
// and the old one is pruned after (never a template left without its
// active version).
func planActive(t *v1alpha1.Template, active string, inSpec map[string]bool, byTag map[string]mailgun.TemplateVersion, plan *templatePlan) {
	want := t.Spec.Active
	if active != "" && !inSpec[active] && t.Spec.PruneVersions {
		plan.pruneActive = active
		if want == "" {
			want = t.Spec.Versions[len(t.Spec.Versions)-1].Tag
		}
	}
	if want == "" || want == active {
		return
	}
	if _, exists := byTag[want]; exists {
		plan.activate = want
		return
	}
	for i := range plan.create {
		if plan.create[i].Tag == want {
			plan.create[i].Active = true // made active as it is made
		}
	}
}

// deref is "" for an unset field: what a create sends for it.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Create stores the template with one version, the active one (Mailgun
// makes the first version active); Update adds the rest, so that Create is
// the one POST the engine's create marker guards.
func (x *templateExternal) Create(ctx context.Context, a mailgun.Account, t *v1alpha1.Template) (observation, error) {
	bodies, err := x.bodies(ctx, t)
	if err != nil {
		return observation{}, err
	}
	first := t.Spec.Versions[0]
	for _, v := range t.Spec.Versions {
		if v.Tag == t.Spec.Active {
			first = v
		}
	}
	_, err = x.api.CreateTemplate(ctx, a, t.Spec.Domain, mailgun.CreateTemplateRequest{Name: t.Spec.Name, Description: deref(t.Spec.Description),
		Version: &mailgun.TemplateVersion{Tag: first.Tag, Engine: string(first.Engine), Comment: deref(first.Comment), Body: bodies[first.Tag]}})
	if err != nil {
		// "Already exists": it did not exist a moment ago; someone made it
		// meanwhile, or Mailgun is not showing it yet (docs/mailgun-api.md,
		// "Eventual consistency"). The engine waits for Observe to find it
		// (Engine.conflict, adoptsOnConflict).
		return observation{}, domainMissing(err, t.Spec.Domain)
	}
	t.Status.Active, t.Status.VersionCount = first.Tag, 1
	t.Status.Versions = []v1alpha1.TemplateVersionStatus{{Tag: first.Tag, Engine: string(first.Engine), BodyHash: bodyHash(bodies[first.Tag])}}
	return observation{exists: true, upToDate: len(t.Spec.Versions) == 1}, nil
}

func (x *templateExternal) Update(ctx context.Context, a mailgun.Account, t *v1alpha1.Template, obs observation) error {
	plan := obs.state.(*templatePlan)
	d, name := t.Spec.Domain, t.Spec.Name
	if plan.description {
		if err := x.api.UpdateTemplate(ctx, a, d, name, *t.Spec.Description); err != nil {
			return err
		}
	}
	// Prune first: at Mailgun's cap of versions the creates that follow
	// need the room.
	for _, tag := range plan.prune {
		if err := x.api.DeleteTemplateVersion(ctx, a, d, name, tag); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
			return fmt.Errorf("cannot prune version %s: %w", tag, err)
		}
	}
	for _, v := range plan.create {
		err := x.api.CreateTemplateVersion(ctx, a, d, name, v)
		// A version that exists was made by an earlier create whose answer
		// was lost: its body is compared at the next Observe.
		if err != nil && !errors.Is(err, mailgun.ErrConflict) {
			return fmt.Errorf("cannot create version %s: %w", v.Tag, err)
		}
		x.recorded(t, v.Tag, v.Engine, plan.hashes[v.Tag])
	}
	for _, tag := range sortedKeys(plan.update) {
		if err := x.api.UpdateTemplateVersion(ctx, a, d, name, tag, plan.update[tag]); err != nil {
			return fmt.Errorf("cannot update version %s: %w", tag, err)
		}
		x.recorded(t, tag, "", plan.hashes[tag])
	}
	if plan.activate != "" {
		if err := x.api.UpdateTemplateVersion(ctx, a, d, name, plan.activate, mailgun.UpdateTemplateVersionRequest{Active: true}); err != nil {
			return fmt.Errorf("cannot make version %s active: %w", plan.activate, err)
		}
		t.Status.Active = plan.activate
	}
	for _, v := range plan.create {
		if v.Active {
			t.Status.Active = v.Tag
		}
	}
	pruned := len(plan.prune)
	if plan.pruneActive != "" {
		// Another version is active by now (planActive): the old one can go.
		if err := x.api.DeleteTemplateVersion(ctx, a, d, name, plan.pruneActive); err != nil && !errors.Is(err, mailgun.ErrNotFound) {
			return fmt.Errorf("cannot prune version %s: %w", plan.pruneActive, err)
		}
		pruned++
	}
	t.Status.VersionCount += int32(len(plan.create) - pruned)
	return nil
}

// recorded notes in status the hash of a version just written.
func (x *templateExternal) recorded(t *v1alpha1.Template, tag, engine, hash string) {
	for i := range t.Status.Versions {
		if t.Status.Versions[i].Tag == tag {
			t.Status.Versions[i].BodyHash = hash
			return
		}
	}
	t.Status.Versions = append(t.Status.Versions, v1alpha1.TemplateVersionStatus{Tag: tag, Engine: engine, BodyHash: hash})
}

func (x *templateExternal) Delete(ctx context.Context, a mailgun.Account, t *v1alpha1.Template) error {
	return x.api.DeleteTemplate(ctx, a, t.Spec.Domain, t.Spec.Name)
}

// adoptsOnConflict: a template of a name the create is told exists is
// taken over once Mailgun shows it, as an existing template found by
// Observe is.
func (x *templateExternal) adoptsOnConflict(*v1alpha1.Template) bool { return true }

// Identity is the template's domain and name.
func (x *templateExternal) Identity(t *v1alpha1.Template) string {
	return t.Spec.Domain + "/" + t.Spec.Name
}
