package contract

import (
	"errors"
	"testing"

	mailgungo "github.com/mailgun/mailgun-go/v5"
	"github.com/mailgun/mailgun-go/v5/mtypes"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"
)

// TestSDKVsEmulatorTemplates: mailgun-go's template calls against our
// emulator (docs/mailgun-api.md, "Templates").
func TestSDKVsEmulatorTemplates(t *testing.T) {
	em := newEmulator(t)
	mg, _ := newSDK(t, em.URL)
	const d = "tpl.example.com"
	em.PutDomain(mailguntest.Domain{Name: d})

	tpl := &mtypes.Template{Name: "Welcome", Description: "greets",
		Version: mtypes.TemplateVersion{Tag: "v1", Engine: mtypes.TemplateEngineGo, Template: "<p>{{.name}}</p>", Comment: "first"}}
	if err := mg.CreateTemplate(ctx(t), d, tpl); err != nil {
		t.Fatalf("CreateTemplate: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateTemplate)
	// The answer decodes in the SDK, name lower-cased as Mailgun does.
	if tpl.Name != "welcome" || tpl.Version.Tag != "v1" || !tpl.Version.Active {
		t.Errorf("CreateTemplate answer decoded as %+v", tpl)
	}

	got, err := mg.GetTemplate(ctx(t), d, "welcome")
	if err != nil {
		t.Fatalf("GetTemplate: %v", err)
	}
	oneCall(t, em, mailguntest.OpGetTemplate)
	if got.Name != "welcome" || got.Description != "greets" || got.Version.Tag != "v1" || got.Version.Template != "<p>{{.name}}</p>" {
		t.Errorf("GetTemplate (active=yes): %+v", got)
	}

	if err := mg.UpdateTemplate(ctx(t), d, &mtypes.Template{Name: "welcome", Description: "new words"}); err != nil {
		t.Fatalf("UpdateTemplate: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateTemplate)

	v2 := &mtypes.TemplateVersion{Tag: "v2", Template: "two", Comment: "second", Active: true}
	if err := mg.AddTemplateVersion(ctx(t), d, "welcome", v2); err != nil {
		t.Fatalf("AddTemplateVersion: %v", err)
	}
	oneCall(t, em, mailguntest.OpCreateTemplateVersion)

	it := mg.ListTemplateVersions(d, "welcome", nil)
	var vs []mtypes.TemplateVersion
	if !it.Next(ctx(t), &vs) {
		t.Fatalf("ListTemplateVersions: %v", it.Err())
	}
	oneCall(t, em, mailguntest.OpListTemplateVersions)
	if len(vs) != 2 || vs[0].Active || !vs[1].Active || vs[0].Engine != mtypes.TemplateEngineGo || vs[1].Engine != mtypes.TemplateEngineHandlebars {
		t.Errorf("ListTemplateVersions: %+v", vs)
	}
	// The SDK follows paging.next: an empty page ends the iteration.
	if it.Next(ctx(t), &vs) {
		t.Errorf("a second page: %+v", vs)
	}
	em.ResetCalls()

	v1, err := mg.GetTemplateVersion(ctx(t), d, "welcome", "v1")
	if err != nil {
		t.Fatalf("GetTemplateVersion: %v", err)
	}
	oneCall(t, em, mailguntest.OpGetTemplateVersion)
	if v1.Template != "<p>{{.name}}</p>" || v1.Comment != "first" || v1.Active {
		t.Errorf("GetTemplateVersion: %+v", v1)
	}

	if err := mg.UpdateTemplateVersion(ctx(t), d, "welcome", &mtypes.TemplateVersion{Tag: "v1", Template: "one", Active: true}); err != nil {
		t.Fatalf("UpdateTemplateVersion: %v", err)
	}
	oneCall(t, em, mailguntest.OpUpdateTemplateVersion)
	stored := em.Templates(d)["welcome"]
	if stored.Description != "new words" || stored.Versions[0].Body != "one" || !stored.Versions[0].Active || stored.Versions[1].Active {
		t.Errorf("the emulator holds %+v", stored)
	}

	if err := mg.DeleteTemplateVersion(ctx(t), d, "welcome", "v2"); err != nil {
		t.Fatalf("DeleteTemplateVersion: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteTemplateVersion)
	if err := mg.DeleteTemplate(ctx(t), d, "welcome"); err != nil {
		t.Fatalf("DeleteTemplate: %v", err)
	}
	oneCall(t, em, mailguntest.OpDeleteTemplate)
	if _, err := mg.GetTemplate(ctx(t), d, "welcome"); mailgungo.GetStatusFromErr(err) != 404 {
		t.Errorf("GetTemplate of a deleted template: %v, want status 404", err)
	}
}

// TestOursVsMockTemplates: our client against mailgun-go's mock server.
func TestOursVsMockTemplates(t *testing.T) {
	m := newMock(t)
	o := newOurs(t, m.URL())
	const d = mockSeedDomain

	if _, err := o.c.CreateTemplate(ctx(t), o.a, d, mailgun.CreateTemplateRequest{Name: "contract", Description: "made by ours",
		Version: &mailgun.TemplateVersion{Tag: "v1", Engine: "handlebars", Comment: "first", Body: "<p>{{x}}</p>"}}); err != nil {
		t.Fatalf("CreateTemplate: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"name": {"contract"}, "description": {"made by ours"}, "tag": {"v1"},
		"engine": {"handlebars"}, "comment": {"first"}, "template": {"<p>{{x}}</p>"}})
	got, err := o.c.GetTemplate(ctx(t), o.a, d, "contract")
	if err != nil || got.Name != "contract" || got.Description != "made by ours" {
		t.Fatalf("GetTemplate: %+v, %v", got, err)
	}
	if err := o.c.UpdateTemplate(ctx(t), o.a, d, "contract", "changed"); err != nil {
		t.Fatalf("UpdateTemplate: %v", err)
	}
	if err := o.c.CreateTemplateVersion(ctx(t), o.a, d, "contract", mailgun.TemplateVersion{Tag: "v2", Body: "two", Active: true}); err != nil {
		t.Fatalf("CreateTemplateVersion: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"tag": {"v2"}, "template": {"two"}, "active": {"yes"}})
	if err := o.c.CreateTemplateVersion(ctx(t), o.a, d, "contract", mailgun.TemplateVersion{Tag: "v2", Body: "again"}); !errors.Is(err, mailgun.ErrConflict) {
		t.Errorf("CreateTemplateVersion of an existing tag: %v, want ErrConflict", err)
	}
	// The mock keeps a template's first version outside its versions list
	// (docs/mailgun-api.md, "Where the SDK's mock differs"): only v2 is
	// listed and readable there.
	vs, err := o.c.ListTemplateVersions(ctx(t), o.a, d, "contract")
	if err != nil {
		t.Fatalf("ListTemplateVersions: %v", err)
	}
	if len(vs) != 1 || vs[0].Tag != "v2" || !vs[0].Active {
		t.Errorf("ListTemplateVersions: %+v", vs)
	}
	v, err := o.c.GetTemplateVersion(ctx(t), o.a, d, "contract", "v2")
	if err != nil || v.Body != "two" || v.Tag != "v2" {
		t.Errorf("GetTemplateVersion: %+v, %v", v, err)
	}
	if err := o.c.UpdateTemplateVersion(ctx(t), o.a, d, "contract", "v2", mailgun.UpdateTemplateVersionRequest{Body: new("2"), Comment: new("c2")}); err != nil {
		t.Fatalf("UpdateTemplateVersion: %v", err)
	}
	wantForm(t, o.rec.last(t), map[string][]string{"template": {"2"}, "comment": {"c2"}})
	if v, err := o.c.GetTemplateVersion(ctx(t), o.a, d, "contract", "v2"); err != nil || v.Body != "2" || v.Comment != "c2" {
		t.Errorf("GetTemplateVersion after the update: %+v, %v", v, err)
	}
	if err := o.c.DeleteTemplateVersion(ctx(t), o.a, d, "contract", "v2"); err != nil {
		t.Fatalf("DeleteTemplateVersion: %v", err)
	}
	if err := o.c.DeleteTemplate(ctx(t), o.a, d, "contract"); err != nil {
		t.Fatalf("DeleteTemplate: %v", err)
	}
	if _, err := o.c.GetTemplate(ctx(t), o.a, d, "contract"); !errors.Is(err, mailgun.ErrNotFound) {
		t.Errorf("GetTemplate after delete: %v, want ErrNotFound", err)
	}
}
