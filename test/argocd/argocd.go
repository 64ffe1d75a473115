// Package argocd runs config/argocd/health.lua the way Argo CD does and loads
// its test cases (config/argocd/health_test.yaml and testdata/), so that the
// health check and the kstatus/Flux checks in test/kstatus read the same
// objects.
//
// The Lua runner follows Argo CD's util/lua (VM.runLua and
// VM.ExecuteHealthLua): a gopher-lua state with only the package, base and
// table libraries (all of them with useOpenLibs) and Argo CD's safe os
// module (time and date) for require("os"); a one-second deadline; the
// object converted to Lua tables as the global obj (maps to tables with
// string keys, lists to 1-based tables, every number to a Lua number); and
// the returned table turned into a health status through JSON.
package argocd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Group is the API group whose kinds health.lua covers.
const Group = "mailgun.operator.dev"

// Health statuses Argo CD accepts from a health script.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
	Suspended   = "Suspended"
	Missing     = "Missing"
	Unknown     = "Unknown"
)

// invalidHealthStatus is Argo CD's message for a status it does not know.
const invalidHealthStatus = "Lua returned an invalid health status"

// HealthStatus is what a health script returns, as Argo CD's
// health.HealthStatus.
type HealthStatus struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// Case is one entry of health_test.yaml with its input loaded.
type Case struct {
	InputPath    string       `json:"inputPath"`
	HealthStatus HealthStatus `json:"healthStatus"`
	// Object is the input as the API server would hand it to Argo CD or
	// kstatus: integers are int64.
	Object *unstructured.Unstructured `json:"-"`
}

// Invalid reports whether the input breaks the status rules on purpose
// (testdata/invalid-*.yaml): the operator never writes such a status.
func (c Case) Invalid() bool {
	return strings.HasPrefix(filepath.Base(c.InputPath), "invalid-")
}

// RepoRoot is the module's root directory.
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("cannot locate test/argocd")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Dir is config/argocd.
func Dir() string { return filepath.Join(RepoRoot(), "config", "argocd") }

// Script returns health.lua.
func Script() (string, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), "health.lua"))
	return string(b), err
}

// LoadCases reads health_test.yaml, strictly, and every input it names.
func LoadCases() ([]Case, error) {
	b, err := os.ReadFile(filepath.Join(Dir(), "health_test.yaml"))
	if err != nil {
		return nil, err
	}
	var file struct {
		Tests []Case `json:"tests"`
	}
	if err := yaml.UnmarshalStrict(b, &file); err != nil {
		return nil, fmt.Errorf("health_test.yaml: %w", err)
	}
	if len(file.Tests) == 0 {
		return nil, errors.New("health_test.yaml has no tests")
	}
	for i := range file.Tests {
		c := &file.Tests[i]
		if c.InputPath == "" {
			return nil, fmt.Errorf("health_test.yaml: test %d has no inputPath", i)
		}
		c.Object, err = LoadObject(filepath.Join(Dir(), c.InputPath))
		if err != nil {
			return nil, err
		}
	}
	return file.Tests, nil
}

// LoadObject reads one Kubernetes object from a YAML file, decoded as the
// API machinery decodes JSON from the API server (integers as int64).
func LoadObject(path string) (*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return u, nil
}

// LoadObjectAsArgoCDTest reads a YAML file the way Argo CD's own health
// script tests do: sigs.k8s.io/yaml into a map, so numbers are float64.
func LoadObjectAsArgoCDTest(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return obj, nil
}

// Kinds returns the kinds of Group defined by the CRDs in
// config/crd/bases.
func Kinds() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(RepoRoot(), "config", "crd", "bases", "*.yaml"))
	if err != nil {
		return nil, err
	}
	var kinds []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if crd.Kind == "CustomResourceDefinition" && crd.Spec.Group == Group {
			kinds = append(kinds, crd.Spec.Names.Kind)
		}
	}
	if len(kinds) == 0 {
		return nil, fmt.Errorf("no CRD of group %s in config/crd/bases", Group)
	}
	return kinds, nil
}

// fence matches a fenced yaml code block in Markdown.
var fence = regexp.MustCompile("(?ms)^```yaml[ \t]*\n(.*?)^```[ \t]*$")

// DocObjects returns every YAML document of the ```yaml blocks of a
// Markdown file under the repository root, in order.
func DocObjects(rel string) ([]map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(RepoRoot(), rel))
	if err != nil {
		return nil, err
	}
	var objs []map[string]any
	for _, m := range fence.FindAllSubmatch(b, -1) {
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(m[1])))
		for {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rel, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			obj := map[string]any{}
			if err := yaml.Unmarshal(doc, &obj); err != nil {
				return nil, fmt.Errorf("%s: %w\n%s", rel, err, doc)
			}
			if len(obj) > 0 {
				objs = append(objs, obj)
			}
		}
	}
	return objs, nil
}

// safeOs holds the only os functions Argo CD lets a health script call.
var safeOs = func() map[string]lua.LGFunction {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	lua.OpenOs(l)
	osTable := l.GetGlobal(lua.OsLibName).(*lua.LTable)
	funcs := map[string]lua.LGFunction{}
	for _, name := range []string{"time", "date"} {
		funcs[name] = osTable.RawGetString(name).(*lua.LFunction).GFunction
	}
	return funcs
}()

// openSafeOs is Argo CD's OpenSafeOs, which registers the functions into
// the table module: in its sandbox the global os does not exist and
// require("os") returns the safe table of safeOsLoader.
func openSafeOs(l *lua.LState) int {
	l.Push(l.RegisterModule(lua.TabLibName, safeOs))
	return 1
}

func safeOsLoader(l *lua.LState) int {
	l.Push(l.SetFuncs(l.NewTable(), safeOs))
	return 1
}

// ExecuteHealthLua runs a health script on obj as Argo CD does. useOpenLibs
// is Argo CD's resource.customizations.useOpenLibs: false for a script
// from argocd-cm unless the admin allows more, true for its built-in
// scripts and its own script tests.
func ExecuteHealthLua(obj map[string]any, script string, useOpenLibs bool) (*HealthStatus, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !useOpenLibs})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, openSafeOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true},
			lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	l.PreloadModule(lua.OsLibName, safeOsLoader)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}

	ret := l.Get(-1)
	switch ret.Type() {
	case lua.LTNil:
		return &HealthStatus{}, nil
	case lua.LTTable:
	default:
		return nil, fmt.Errorf("expect table output from Lua script, not %s", ret.Type())
	}
	v, err := encodeValue(ret, map[*lua.LTable]bool{})
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	hs := &HealthStatus{}
	if err := json.Unmarshal(b, hs); err != nil {
		// An empty table encodes as [], which Argo CD reads as no health.
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Value == "array" {
			return &HealthStatus{}, nil
		}
		return nil, err
	}
	switch hs.Status {
	case Healthy, Progressing, Degraded, Suspended, Missing, Unknown:
		return hs, nil
	}
	return &HealthStatus{Status: Unknown, Message: invalidHealthStatus}, nil
}

// decodeValue turns a Go value of an unstructured object into Lua, as
// Argo CD's decodeValue.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// encodeValue turns a Lua value into a Go value for JSON, with the rules of
// layeh.com/gopher-json at the version Argo CD pins: an empty table is an empty
// array, a table whose first key is a number is an array of keys 1..n, one
// whose first key is a string is an object of string keys.
func encodeValue(v lua.LValue, visited map[*lua.LTable]bool) (any, error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return float64(v), nil
	case lua.LString:
		return string(v), nil
	case *lua.LTable:
		if visited[v] {
			return nil, errors.New("cannot encode recursively nested tables to JSON")
		}
		// Like gopher-json, a table met twice fails even when not nested.
		visited[v] = true
		key, value := v.Next(lua.LNil)
		switch key.Type() {
		case lua.LTNil:
			return []any{}, nil
		case lua.LTNumber:
			arr := []any{}
			expected := lua.LNumber(1)
			for key != lua.LNil {
				if key.Type() != lua.LTNumber {
					return nil, errors.New("cannot encode mixed or invalid key types")
				}
				if key.(lua.LNumber) != expected {
					return nil, errors.New("cannot encode sparse array")
				}
				item, err := encodeValue(value, visited)
				if err != nil {
					return nil, err
				}
				arr = append(arr, item)
				expected++
				key, value = v.Next(key)
			}
			return arr, nil
		case lua.LTString:
			obj := map[string]any{}
			for key != lua.LNil {
				if key.Type() != lua.LTString {
					return nil, errors.New("cannot encode mixed or invalid key types")
				}
				item, err := encodeValue(value, visited)
				if err != nil {
					return nil, err
				}
				obj[key.String()] = item
				key, value = v.Next(key)
			}
			return obj, nil
		}
		return nil, errors.New("cannot encode mixed or invalid key types")
	}
	return nil, fmt.Errorf("cannot encode %s to JSON", v.Type())
}
