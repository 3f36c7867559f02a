package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func init() {
	register(&command{name: "user add", summary: "tạo tài khoản cán bộ (create an official's account)", run: userAdd})
	register(&command{name: "user grant", summary: "cấp vai trò cho tài khoản (grant a role)", run: userGrant})
	register(&command{name: "user delete-demo", summary: "xoá các tài khoản trình diễn (delete demo accounts)", run: userDeleteDemo})
	register(&command{name: "user cleanup", summary: "dọn phiên hết hạn, bộ đếm đăng nhập (purge expired sessions)", run: userCleanup})
}

func userAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var username, name, email, phone, agency, positions, role string
	var unit, official int64
	var subtree, passwordStdin bool
	b := config.NewBinder(newFlags(e, "user add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&username, "username", "", "username (3–64 lower-case letters, digits, . _ -)")
	b.FS.StringVar(&name, "name", "", "full name")
	b.FS.StringVar(&email, "email", "", "e-mail (optional)")
	b.FS.StringVar(&phone, "phone", "", "mobile phone (optional)")
	b.FS.StringVar(&agency, "agency", "", "agency: org id or electronic code (e.g. DEMO.H15.01)")
	b.FS.Int64Var(&unit, "unit", 0, "unit id inside the agency (optional)")
	b.FS.Int64Var(&official, "official", 0, "org official (person) id (optional)")
	b.FS.StringVar(&positions, "positions", "", "positions, comma-separated: org ids or codes (e.g. van_thu,chuyen_vien)")
	b.FS.StringVar(&role, "role", "", "role to grant in the agency, e.g. agency_admin, clerk (optional)")
	b.FS.BoolVar(&subtree, "subtree", false, "the role also covers the agencies below")
	b.FS.BoolVar(&passwordStdin, "password-stdin", false, "read the initial password from standard input (default: generate one and print it)")
	if err := parseFlags(b, args); err != nil {
		return err
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
	a, ctx, sys, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	agencyID, err := agencyArg(ctx, a, agency)
	if err != nil {
		return err
	}
	pos, err := positionArgs(ctx, a, positions)
	if err != nil {
		return err
	}
	// The role is granted in the transaction that creates the account, so
	// a refused or failed grant leaves no account behind.
	in := identityNewOfficial(username, name, email, phone, password, official, agencyID, unit, pos)
	in.Role, in.RoleSubtree = role, subtree
	acc, err := a.Identity.CreateOfficial(ctx, sys, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã tạo tài khoản / created: %s (id %d)\n", acc.Login, acc.ID)
	if !passwordStdin {
		fmt.Fprintf(e.stdout, "Mật khẩu ban đầu / initial password (hiển thị một lần, shown once): %s\n", password)
	}
	return nil
}

func userGrant(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var id int64
	var role, agency string
	var subtree, revoke bool
	b := config.NewBinder(newFlags(e, "user grant", ""))
	cfg.BindDatabase(b)
	b.FS.Int64Var(&id, "account", 0, "account id")
	b.FS.StringVar(&role, "role", "", "role name, e.g. system_admin, agency_admin, clerk")
	b.FS.StringVar(&agency, "agency", "0", "agency where the role is held: org id or electronic code; 0 = platform-wide (system_admin, auditor, security_officer)")
	b.FS.BoolVar(&subtree, "subtree", false, "the role also covers the agencies below")
	b.FS.BoolVar(&revoke, "revoke", false, "revoke instead of grant")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	a, ctx, sys, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	agencyID, err := agencyArg(ctx, a, agency)
	if err != nil {
		return err
	}
	g := actor.RoleGrant{Role: role, AgencyID: agencyID, Subtree: subtree}
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
	return operatorChange(ctx, e, "user delete-demo", args, func(ctx context.Context, a *app.App, sys *actor.Actor) error {
		n, err := a.Identity.DeleteDemo(ctx, sys)
		if err == nil {
			fmt.Fprintf(e.stdout, "Đã xoá %d tài khoản trình diễn / deleted %d demo accounts\n", n, n)
		}
		return err
	})
}

func userCleanup(ctx context.Context, e *env, args []string) error {
	return operatorChange(ctx, e, "user cleanup", args, func(ctx context.Context, a *app.App, _ *actor.Actor) error {
		n, err := a.Identity.Cleanup(ctx)
		if err == nil {
			fmt.Fprintf(e.stdout, "Đã dọn %d bản ghi / purged %d rows\n", n, n)
		}
		return err
	})
}

// agencyArg resolves --agency: an org id (checked by identity against org)
// or an agency's electronic code as of today.
func agencyArg(ctx context.Context, a *app.App, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, apperr.FieldError("agency", "Thiếu --agency: mã số hoặc mã định danh điện tử của cơ quan")
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		return id, nil
	}
	g, err := a.Org.AgencyByCode(ctx, s, org.Date{})
	if err != nil {
		return 0, err
	}
	return g.ID, nil
}

// positionArgs resolves --positions: org ids or position codes.
func positionArgs(ctx context.Context, a *app.App, s string) ([]int64, error) {
	var catalogue []org.Position
	var out []int64
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
			continue
		}
		if catalogue == nil {
			var err error
			if catalogue, err = a.Org.Positions(ctx); err != nil {
				return nil, err
			}
		}
		i := slices.IndexFunc(catalogue, func(c org.Position) bool { return c.Code == p })
		if i < 0 {
			return nil, apperr.FieldError("positions", "Không có chức vụ mã %q trong danh mục chức vụ", p)
		}
		out = append(out, catalogue[i].ID)
	}
	return out, nil
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
