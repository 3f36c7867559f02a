package backup

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// pgCommand prepares a PostgreSQL client program (pg_dump, pg_restore) for
// the database at dbURL. The password goes through PGPASSWORD, not the
// command line, which other users of the machine can read.
func pgCommand(ctx context.Context, program, name, dbURL string, args ...string) (*exec.Cmd, error) {
	if program == "" {
		program = name
	}
	path, err := exec.LookPath(program)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable,
			"Không tìm thấy %s để làm việc với PostgreSQL: hãy cài gói postgresql-client cùng phiên bản chính với máy chủ "+
				"(Debian/Ubuntu: apt-get install postgresql-client), hoặc chỉ đường dẫn chương trình bằng --%s", name, name)
	}
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, apperr.New(apperr.Invalid, "Địa chỉ PostgreSQL không hợp lệ (cần postgres://…)")
	}
	env := os.Environ()
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	cmd := exec.CommandContext(ctx, path, append(args, "--dbname="+u.String())...)
	cmd.Env = env
	return cmd, nil
}

// runPG runs cmd and turns a failure into an error quoting the end of
// what the program said.
func runPG(ctx context.Context, cmd *exec.Cmd, what string) error {
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{b: &stderr, n: 8 << 10}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		return apperr.Wrap(errors.Join(err, errors.New(msg)), apperr.Unavailable, "%s", what)
	}
	return nil
}

type limitedBuffer struct {
	b *bytes.Buffer
	n int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// pgDump writes a consistent dump (pg_dump takes one snapshot for all of
// it) in pg_dump's custom format, without owners or grants so that it
// restores into a database owned by another role.
func pgDump(ctx context.Context, program, dbURL, path string) error {
	cmd, err := pgCommand(ctx, program, "pg_dump", dbURL, "--format=custom", "--no-owner", "--no-privileges", "--file="+path)
	if err != nil {
		return err
	}
	return runPG(ctx, cmd, "pg_dump không sao lưu được cơ sở dữ liệu PostgreSQL (pg_dump phải cùng hoặc mới hơn phiên bản chính của máy chủ)")
}

// pgRestore loads a dump into an empty database in one transaction: it
// is restored whole or not at all.
func pgRestore(ctx context.Context, program, dbURL, path string) error {
	cmd, err := pgCommand(ctx, program, "pg_restore", dbURL, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", path)
	if err != nil {
		return err
	}
	return runPG(ctx, cmd, "pg_restore không khôi phục được cơ sở dữ liệu PostgreSQL (không có gì được ghi vào đó)")
}
