package web_test

import (
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/chinhquyen/chinhquyen/internal/clock"
)

func totpNow(t *testing.T, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
