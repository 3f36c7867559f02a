package api

import (
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func TestParseLoginRequest(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"plain", `{"login":"001090012345","password":"x"}`, true},
		{"with otp", `{"login":"a","password":"b","otp":"123456"}`, true},
		{"unknown field", `{"login":"a","password":"b","role":"system_admin"}`, false},
		{"two objects", `{"login":"a","password":"b"}{"login":"c","password":"d"}`, false},
		{"missing password", `{"login":"a"}`, false},
		{"wrong type", `{"login":1,"password":"b"}`, false},
		{"not JSON", `login=a&password=b`, false},
		{"too big", `{"login":"` + strings.Repeat("a", 5000) + `","password":"b"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLoginRequest(strings.NewReader(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("ParseLoginRequest = %v", err)
			}
			if err != nil && apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %s", apperr.CodeOf(err))
			}
		})
	}
}

func FuzzParseLoginRequest(f *testing.F) {
	f.Add(`{"login":"001090012345","password":"x","otp":"123456"}`)
	f.Add(`{"login":"","password":""}`)
	f.Add(`[]`)
	f.Add(`{"login":"a","password":"b"} trailing`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := ParseLoginRequest(strings.NewReader(body))
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %s for %q", apperr.CodeOf(err), body)
			}
			return
		}
		if req.Login == "" || req.Password == "" {
			t.Fatalf("accepted empty credentials from %q", body)
		}
	})
}
