package web_test

import (
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func totpNow(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
