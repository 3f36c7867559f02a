package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"
)

// Redacted replaces the value of every redacted field in canonical JSON.
const Redacted = "[redacted]"

// sensitiveWords are the words of a field name that make its value secret.
// A name is split into words at '_', '-', '.', spaces and lower→upper case
// changes, so "api_key", "PasswordHash" and "totpSecret" are redacted while
// "keyword" and "monkey" are not.
var sensitiveWords = map[string]bool{
	"password": true, "passwd": true, "passphrase": true, "pwd": true,
	"secret": true, "token": true, "otp": true, "totp": true, "key": true,
	"pin": true, "cookie": true, "credential": true, "credentials": true,
}

// SensitiveName reports whether a field called name holds a secret that must
// never reach the audit log (password, secret, token, OTP, key…).
func SensitiveName(name string) bool {
	for _, w := range nameWords(name) {
		if sensitiveWords[w] {
			return true
		}
	}
	return false
}

func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			flush()
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}

// Redact returns v as a generic JSON value (maps, slices, strings, json.Number,
// bools, nil) in which every secret is replaced by Redacted: struct fields
// tagged `audit:"redact"` (or `audit:"-"` to drop them), and any field or map
// key whose name is sensitive (SensitiveName). json tags name and omit fields
// as encoding/json does; types with their own MarshalJSON or MarshalText are
// marshaled first and their output redacted by name.
func Redact(v any) (any, error) {
	return redactValue(reflect.ValueOf(v), 0)
}

// CanonicalJSON returns the canonical JSON of Redact(v): object keys sorted,
// no insignificant space, numbers as written by encoding/json.
func CanonicalJSON(v any) ([]byte, error) {
	r, err := Redact(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// Digest returns SHA-256 of CanonicalJSON(v), or nil when v is nil: what the
// log stores for Entry.Before and Entry.After.
func Digest(v any) ([]byte, error) {
	if isNil(v) {
		return nil, nil
	}
	c, err := CanonicalJSON(v)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(c)
	return d[:], nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

const maxDepth = 64

func redactValue(v reflect.Value, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("audit: value nested deeper than %d levels", maxDepth)
	}
	if !v.IsValid() {
		return nil, nil
	}
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, nil
		}
	}
	t := v.Type()
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		(v.CanAddr() && (reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler))) {
		var x any
		if v.CanAddr() {
			x = v.Addr().Interface()
		} else {
			x = v.Interface()
		}
		b, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("audit: marshal %s: %w", t, err)
		}
		return redactJSON(b)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return redactValue(v.Elem(), depth+1)
	case reflect.Struct:
		out := map[string]any{}
		if err := redactStruct(v, out, depth); err != nil {
			return nil, err
		}
		return out, nil
	case reflect.Map:
		if v.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			k := mapKey(it.Key())
			if SensitiveName(k) {
				out[k] = Redacted
				continue
			}
			x, err := redactValue(it.Value(), depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			// Raw bytes are file contents or key material: only their
			// digest may enter the log.
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			d := sha256.Sum256(b)
			return fmt.Sprintf("sha256:%x", d), nil
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := redactValue(v.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, fmt.Errorf("audit: marshal number: %w", err)
		}
		return json.Number(b), nil
	}
	return nil, fmt.Errorf("audit: cannot record a value of type %s", t)
}

func redactStruct(v reflect.Value, out map[string]any, depth int) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := v.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if err := redactStruct(fv, out, depth+1); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		at := sf.Tag.Get("audit")
		if at == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() {
			continue
		}
		if at == "redact" || SensitiveName(name) || SensitiveName(sf.Name) {
			out[name] = Redacted
			continue
		}
		x, err := redactValue(fv, depth+1)
		if err != nil {
			return err
		}
		out[name] = x
	}
	return nil
}

func mapKey(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return k.String()
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		if b, err := tm.MarshalText(); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(k.Interface())
}

// redactJSON decodes b and redacts sensitive keys at every depth.
func redactJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("audit: decode json: %w", err)
	}
	redactGeneric(x)
	return x, nil
}

func redactGeneric(x any) {
	switch x := x.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if SensitiveName(k) {
				x[k] = Redacted
			} else {
				redactGeneric(x[k])
			}
		}
	case []any:
		for _, e := range x {
			redactGeneric(e)
		}
	}
}

// ChangedFields returns the sorted top-level field names whose redacted
// values differ between before and after (either may be nil), for
// Entry.Summary: the viewer can then say "changed: name, parent" without
// the log holding the values. Redacted fields that changed are listed too
// (by name only).
func ChangedFields(before, after any) ([]string, error) {
	b, err := topLevel(before)
	if err != nil {
		return nil, err
	}
	a, err := topLevel(after)
	if err != nil {
		return nil, err
	}
	var out []string
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !sameJSON(av, bv) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// topLevel returns v's top-level fields with secrets compared by digest,
// so a changed password shows as changed although its value is redacted.
func topLevel(v any) (map[string]any, error) {
	if isNil(v) {
		return map[string]any{}, nil
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		rv = rv.Elem()
	}
	// Secrets are compared through a digest of their raw JSON, never kept.
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("audit: ChangedFields needs an object: %w", err)
	}
	red, err := Redact(v)
	if err != nil {
		return nil, err
	}
	rm, _ := red.(map[string]any)
	out := make(map[string]any, len(m))
	for k, r := range m {
		if x, ok := rm[k]; ok && x != Redacted {
			out[k] = x
			continue
		}
		if _, ok := rm[k]; !ok && rv.Kind() == reflect.Struct {
			continue // dropped by an audit:"-" tag
		}
		out[k] = fmt.Sprintf("sha256:%x", sha256.Sum256(r))
	}
	return out, nil
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
