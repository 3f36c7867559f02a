// Package access is the platform's one access decision point: roles held in
// agencies, the classification of information against each official's
// clearance, personal-data visibility (Law 91/2025/QH15, Decree 356/2025),
// and the state-secret marks for which the platform keeps metadata only.
//
// Every web and API handler, and every domain service before it changes
// anything, asks Can(ctx, actor, action, resource). Nothing else decides.
// Actions are declared in a registry (actions_<module>.go in this package);
// the matrix test checks every registered action against every role.
package access

import (
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Level is a classification of information, ordered from the most open.
// Restricted is not "more secret" than Internal: it limits readers to named
// units or people; the state-secret levels above it need a clearance.
type Level int

// The classification levels.
const (
	Public      Level = iota // công khai: anyone, also without signing in
	Internal                 // nội bộ: officials of the owning agency
	Restricted               // hạn chế: named units or people only
	Secret                   // Mật (state secret, Law 29/2018/QH14): metadata only
	TopSecret                // Tối mật: metadata only
	UltraSecret              // Tuyệt mật: metadata only
)

var levelNames = []string{"cong_khai", "noi_bo", "han_che", "mat", "toi_mat", "tuyet_mat"}

var levelLabels = []string{"Công khai", "Nội bộ", "Hạn chế", "Mật", "Tối mật", "Tuyệt mật"}

// String returns the stable name stored in databases and actor.Clearance.
func (l Level) String() string {
	if l < Public || l > UltraSecret {
		return "invalid"
	}
	return levelNames[l]
}

// Label returns the Vietnamese name shown to people.
func (l Level) Label() string {
	if l < Public || l > UltraSecret {
		return "?"
	}
	return levelLabels[l]
}

// StateSecret reports whether l is one of the state-secret marks.
func (l Level) StateSecret() bool { return l >= Secret && l <= UltraSecret }

// Levels lists every level, most open first.
func Levels() []Level { return []Level{Public, Internal, Restricted, Secret, TopSecret, UltraSecret} }

// ParseLevel accepts a stable name ("noi_bo") or the Vietnamese label
// ("Nội bộ", any case). It returns EINVALID otherwise.
func ParseLevel(s string) (Level, error) {
	s = strings.TrimSpace(s)
	for i, n := range levelNames {
		if s == n || strings.EqualFold(s, levelLabels[i]) {
			return Level(i), nil
		}
	}
	return 0, apperr.FieldError("level", "Độ mật %q không hợp lệ: dùng một trong công khai, nội bộ, hạn chế, mật, tối mật, tuyệt mật", s)
}

// ParseClearance parses an official's clearance: the highest level they may
// read. Restricted is not a clearance (it names readers instead), so the
// valid clearances are cong_khai, noi_bo, mat, toi_mat and tuyet_mat.
func ParseClearance(s string) (Level, error) {
	l, err := ParseLevel(s)
	if err != nil || l == Restricted {
		return 0, apperr.FieldError("clearance", "Mức được tiếp cận %q không hợp lệ: dùng công khai, nội bộ, mật, tối mật hoặc tuyệt mật", s)
	}
	return l, nil
}

// clearanceOf reads an actor's clearance; an unknown value counts as Public
// (fail closed).
func clearanceOf(s string) Level {
	l, err := ParseClearance(s)
	if err != nil {
		return Public
	}
	return l
}

// AllowContent is the helper every module calls before accepting, storing or
// sending file content: for the state-secret levels (Mật, Tối mật, Tuyệt mật)
// the platform keeps metadata only, so it returns EFORBIDDEN; for the other
// levels it returns nil.
func AllowContent(l Level) error {
	if l.StateSecret() {
		return apperr.New(apperr.Forbidden,
			"Thông tin ở độ %s là bí mật nhà nước: hệ thống chỉ lưu thông tin mô tả (số, ngày, trích yếu), không được tải lên, lưu trữ hoặc gửi nội dung tệp",
			l.Label())
	}
	if l < Public || l > UltraSecret {
		return apperr.New(apperr.Invalid, "Độ mật không hợp lệ")
	}
	return nil
}
