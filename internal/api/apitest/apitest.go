// Package apitest checks API responses against the OpenAPI document the
// binary serves, so tests of any package (api, app, e2e) prove that what the
// API answers is what it documents.
package apitest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/api"
)

// Check validates a JSON response body for method+path (the documented
// template, e.g. /api/v1/units/provinces/{code}/communes) and status against
// openapi.json. A body for an undocumented status is an error.
func Check(method, path string, status int, body []byte) error {
	var d map[string]any
	if err := json.Unmarshal(api.OpenAPI(), &d); err != nil {
		return err
	}
	schema, err := ResponseSchema(d, method, path, status)
	if err != nil {
		return err
	}
	if schema == nil {
		if len(strings.TrimSpace(string(body))) != 0 {
			return fmt.Errorf("%s %s %d: body %q where none is documented", method, path, status, body)
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %w", method, path, status, err)
	}
	return Validate(d, schema, v, "body")
}

// Resolve follows a local $ref ("#/components/schemas/Unit").
func Resolve(d map[string]any, ref string) (map[string]any, error) {
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

// ResponseSchema returns the JSON schema documented for method+path+status;
// nil when the status is documented without a body.
func ResponseSchema(d map[string]any, method, path string, status int) (map[string]any, error) {
	pathItem, _ := d["paths"].(map[string]any)[path].(map[string]any)
	op, ok := pathItem[strings.ToLower(method)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s not documented", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s: status %d not documented", method, path, status)
	}
	if ref, ok := resp["$ref"].(string); ok {
		var err error
		if resp, err = Resolve(d, ref); err != nil {
			return nil, err
		}
	}
	content, _ := resp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, _ := media["schema"].(map[string]any)
	return schema, nil
}

// Validate checks v against the subset of JSON Schema the document uses:
// $ref, type (with "null" in a type list), required, properties,
// additionalProperties as a schema, items, enum.
// Extra properties are errors too, so the document cannot silently lag.
func Validate(d map[string]any, schema map[string]any, v any, at string) error {
	if schema == nil {
		return nil
	}
	if ref, ok := schema["$ref"].(string); ok {
		s, err := Resolve(d, ref)
		if err != nil {
			return err
		}
		return Validate(d, s, v, at)
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
				// A map's free keys (form values by field name) follow
				// additionalProperties when it is a schema.
				if ps, ok = schema["additionalProperties"].(map[string]any); !ok {
					return fmt.Errorf("%s: property %q not documented", at, k)
				}
			}
			if err := Validate(d, ps, val, at+"."+k); err != nil {
				return err
			}
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, it := range x {
			if err := Validate(d, items, it, fmt.Sprintf("%s[%d]", at, i)); err != nil {
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
