package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

func init() {
	register(&command{name: "user add", summary: "tạo tài khoản cán bộ (create an official's account)", run: userAdd})
	register(&command{name: "user grant", summary: "cấp vai trò cho tài khoản (grant a role)", run: userGrant})
	register(&command{name: "user delete-demo", summary: "xoá các tài khoản trình diễn (delete demo accounts)", run: userDeleteDemo})
	register(&command{name: "user cleanup", summary: "dọn phiên hết hạn, bộ đếm đăng nhập (purge expired sessions)", run: userCleanup})
}

// openForUser opens the platform for a user command; the operator at the
// shell acts as the system (access allows it; every change is audited).
func openForUser(ctx context.Context, cfg *app.Config) (*app.App, context.Context, *actor.Actor, error) {
	a, err := app.Open(ctx, *cfg, cfg.NewLogger(os.Stderr))
	if err != nil {
		return nil, nil, nil, err
	}
	return a, access.WithGuard(ctx, a.Guard), actor.SystemActor("cli"), nil
}

func userAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var username, name, email, phone, positions, role string
	var agency, unit, official int64
	var subtree, passwordStdin bool
	b := config.NewBinder(newFlags(e, "user add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&username, "username", "", "username (3–64 lower-case letters, digits, . _ -)")
	b.FS.StringVar(&name, "name", "", "full name")
	b.FS.StringVar(&email, "email", "", "e-mail (optional)")
	b.FS.StringVar(&phone, "phone", "", "mobile phone (optional)")
	b.FS.Int64Var(&agency, "agency", 0, "agency id (org)")
	b.FS.Int64Var(&unit, "unit", 0, "unit id inside the agency (optional)")
	b.FS.Int64Var(&official, "official", 0, "org official (person) id (optional)")
	b.FS.StringVar(&positions, "positions", "", "position ids, comma-separated")
	b.FS.StringVar(&role, "role", "", "role to grant in the agency, e.g. agency_admin, clerk (optional)")
	b.FS.BoolVar(&subtree, "subtree", false, "the role also covers the agencies below")
	b.FS.BoolVar(&passwordStdin, "password-stdin", false, "read the initial password from standard input (default: generate one and print it)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	var pos []int64
	for _, p := range strings.FieldsFunc(positions, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return apperr.FieldError("positions", "Mã chức vụ %q không hợp lệ", p)
		}
		pos = append(pos, id)
	}
	password := ""
	if passwordStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return apperr.New(apperr.Invalid, "Không đọc được mật khẩu từ đầu vào chuẩn")
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		password = generatePassword()
	}
	a, ctx, sys, err := openForUser(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	acc, err := a.Identity.CreateOfficial(ctx, sys, identityNewOfficial(username, name, email, phone, password, official, agency, unit, pos))
	if err != nil {
		return err
	}
	if role != "" {
		if err := a.Identity.GrantRole(ctx, sys, acc.ID, actor.RoleGrant{Role: role, AgencyID: agency, Subtree: subtree}); err != nil {
			return fmt.Errorf("tài khoản %s đã tạo (id %d) nhưng chưa cấp được vai trò: %w", acc.Login, acc.ID, err)
		}
	}
	fmt.Fprintf(e.stdout, "Đã tạo tài khoản / created: %s (id %d)\n", acc.Login, acc.ID)
	if !passwordStdin {
		fmt.Fprintf(e.stdout, "Mật khẩu ban đầu / initial password (hiển thị một lần, shown once): %s\n", password)
	}
	return nil
}

func userGrant(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var id, agency int64
	var role string
	var subtree, revoke bool
	b := config.NewBinder(newFlags(e, "user grant", ""))
	cfg.BindDatabase(b)
	b.FS.Int64Var(&id, "account", 0, "account id")
	b.FS.StringVar(&role, "role", "", "role name, e.g. system_admin, agency_admin, clerk")
	b.FS.Int64Var(&agency, "agency", 0, "agency id where the role is held; 0 = platform-wide (system_admin, auditor, security_officer)")
	b.FS.BoolVar(&subtree, "subtree", false, "the role also covers the agencies below")
	b.FS.BoolVar(&revoke, "revoke", false, "revoke instead of grant")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	a, ctx, sys, err := openForUser(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	g := actor.RoleGrant{Role: role, AgencyID: agency, Subtree: subtree}
	if revoke {
		err = a.Identity.RevokeRole(ctx, sys, id, g)
	} else {
		err = a.Identity.GrantRole(ctx, sys, id, g)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Xong / done.")
	return nil
}

func userDeleteDemo(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "user delete-demo", ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	a, ctx, sys, err := openForUser(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Identity.DeleteDemo(ctx, sys)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã xoá %d tài khoản trình diễn / deleted %d demo accounts\n", n, n)
	return nil
}

func userCleanup(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "user cleanup", ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	a, ctx, _, err := openForUser(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Identity.Cleanup(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã dọn %d bản ghi / purged %d rows\n", n, n)
	return nil
}

// generatePassword returns 4 groups of 5 random lower-case letters and
// digits (about 100 bits), which passes the password policy.
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

func identityNewOfficial(username, name, email, phone, password string, official, agency, unit int64, positions []int64) identity.NewOfficial {
	return identity.NewOfficial{Username: username, Name: name, Email: email, Phone: phone, Password: password,
		OfficialID: official, AgencyID: agency, UnitID: unit, Positions: positions}
}
