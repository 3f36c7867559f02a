package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// doc is the parsed OpenAPI document, shared by the tests.
func doc(t *testing.T) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(openapiDoc, &d); err != nil {
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
	for _, r := range New(Deps{}).routes {
		served[r.method+" "+r.path] = true
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
				if _, err := resolve(d, ref); err != nil {
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

func resolve(d map[string]any, ref string) (map[string]any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("external $ref %q", ref)
	}
	var cur any = d
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve at %q", ref, part)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q is not an object", ref)
	}
	return m, nil
}

// responseSchema returns the JSON schema documented for method+path+status.
func responseSchema(t *testing.T, d map[string]any, method, path string, status int) map[string]any {
	t.Helper()
	op, ok := d["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s not documented", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: status %d not documented", method, path, status)
	}
	if ref, ok := resp["$ref"].(string); ok {
		var err error
		if resp, err = resolve(d, ref); err != nil {
			t.Fatal(err)
		}
	}
	schema, _ := resp["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	return schema
}

// validate checks v against the subset of JSON Schema the document uses:
// $ref, type (with "null" in a type list), required, properties, items, enum.
// Extra properties are errors too, so the document cannot silently lag.
func validate(d map[string]any, schema map[string]any, v any, at string) error {
	if schema == nil {
		return nil
	}
	if ref, ok := schema["$ref"].(string); ok {
		s, err := resolve(d, ref)
		if err != nil {
			return err
		}
		return validate(d, s, v, at)
	}
	if !typeMatches(schema["type"], v) {
		return fmt.Errorf("%s: %T does not match type %v", at, v, schema["type"])
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in enum %v", at, v, enum)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for _, r := range asSlice(schema["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: required property %q missing", at, r)
			}
		}
		for k, val := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: property %q not documented", at, k)
			}
			if err := validate(d, ps, val, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, it := range x {
			if err := validate(d, items, it, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func typeMatches(t any, v any) bool {
	switch tt := t.(type) {
	case nil:
		return true
	case string:
		return jsonType(v) == tt || (tt == "number" && jsonType(v) == "integer")
	case []any:
		for _, x := range tt {
			if typeMatches(x, v) {
				return true
			}
		}
	}
	return false
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
