package api_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
)

// doc is the parsed OpenAPI document, shared by the tests.
func doc(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &d); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return d
}

// The route table and the OpenAPI document must list the same operations:
// a route added without documentation, or documented and never served,
// fails here.
func TestOpenAPIDocumentsExactlyTheRoutesServed(t *testing.T) {
	d := doc(t)
	if d["openapi"] != "3.1.0" {
		t.Fatalf("openapi version = %v", d["openapi"])
	}
	documented := map[string]bool{}
	for path, item := range d["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range api.New(api.Deps{}).Routes() {
		served[r] = true
	}
	var missing, stale []string
	for op := range served {
		if !documented[op] {
			missing = append(missing, op)
		}
	}
	for op := range documented {
		if !served[op] {
			stale = append(stale, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 || len(stale) > 0 {
		t.Fatalf("routes not in openapi.json: %v\ndocumented but not served: %v", missing, stale)
	}
}

// Every $ref in the document resolves.
func TestOpenAPIReferencesResolve(t *testing.T) {
	d := doc(t)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if _, err := apitest.Resolve(d, ref); err != nil {
					t.Error(err)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(d)
}
