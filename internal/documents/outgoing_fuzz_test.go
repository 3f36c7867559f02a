package documents

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// A signing authority from a form or the API is one of the five prefixes
// or empty, or an EINVALID on its field; nothing else gets through.
func FuzzParseAuthority(f *testing.F) {
	for _, s := range []string{"", "TM.", "tm", "KT", "TL.", "TUQ.", "q.", "XYZ", " kt. ", "T\u0323M.", "\x00", strings.Repeat("K", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAuthority(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if got != "" && !contains(Authorities, got) {
			t.Fatalf("%q accepted as %q", s, got)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A draft request from outside is accepted with clean, bounded fields or
// refused with EINVALID naming a field; it never panics.
func FuzzValidateDraft(f *testing.F) {
	f.Add("QĐ", "Về việc ban hành kế hoạch", "khan", "noi_bo", "H15.20", "Lưu: VT.", "TM.", "CHỦ TỊCH", int64(12), int64(13), "replaces", int64(4), "up1")
	f.Add("CV", "", "", "", "", "", "", "", int64(0), int64(0), "", int64(0), "")
	f.Add("xx", "\u202e", "gap", "mat", " ", "\x01", "KT", "Phó", int64(-1), int64(-1), "x", int64(-5), strings.Repeat("u", 100))
	f.Fuzz(func(t *testing.T, typ, summary, urgency, level, recipient, free, authority, position string, signer, reviewer int64, rel string, target int64, file string) {
		req := DraftRequest{Type: typ, Summary: summary, Urgency: urgency, Classification: level, Recipients: []string{recipient},
			FreeRecipients: []string{free}, Signer: SignerRequest{AccountID: signer, Authority: authority, Position: position},
			Reviewers: []int64{reviewer}, Relations: []Relation{{Kind: rel, TargetID: target}}, File: file}
		in, err := validateDraft(req)
		if err != nil {
			var e *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asError(err, &e) || e.Field == "" {
				t.Fatalf("refusal without EINVALID and field: %v", err)
			}
			return
		}
		if !utf8.ValidString(in.summary) || in.summary == "" || len(in.summary) > MaxSummaryBytes || in.level.StateSecret() {
			t.Fatalf("accepted summary %q level %v", in.summary, in.level)
		}
		for _, r := range in.relations {
			if r.TargetID <= 0 || RelationLabel(r.Kind) == "" {
				t.Fatalf("accepted relation %+v", r)
			}
		}
	})
}

func asError(err error, target **apperr.Error) bool { return errors.As(err, target) }
