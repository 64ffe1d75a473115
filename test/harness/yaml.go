package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// DecodeYAML splits a multi-document YAML stream, as kubectl kustomize or
// helm template print it, into objects, leaving out empty documents.
func DecodeYAML(s string) ([]map[string]any, error) {
	var objs []map[string]any
	rd := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(s)))
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := yaml.Unmarshal(doc, &obj); err != nil {
			return nil, fmt.Errorf("a document is not YAML: %w\n%s", err, doc)
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
}

// PrivilegedCanary is a Deployment that breaks the restricted Pod Security
// Standard, to show that a namespace really enforces it (the API server
// warns about it).
func PrivilegedCanary(namespace string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: privileged-canary
  namespace: ` + namespace + `
spec:
  selector:
    matchLabels: {app: canary}
  template:
    metadata:
      labels: {app: canary}
    spec:
      containers:
      - name: c
        image: example.invalid/canary:1
        securityContext:
          privileged: true
`
}
