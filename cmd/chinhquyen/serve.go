package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func init() {
	register(&command{name: "serve", summary: "chạy máy chủ web (run the platform)", run: serve})
}

func serve(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "serve", ""))
	cfg.BindServe(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, b.FS.Arg(0))
	}
	log := cfg.NewLogger(os.Stderr)
	slog.SetDefault(log)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	logins, err := a.FirstStart(ctx)
	if err != nil {
		return err
	}
	a.WarnDemoAccounts(ctx)
	a.RunBackground(ctx)
	onNATS, err := a.ConnectNATS(ctx)
	if err != nil {
		return err
	}
	srv, err := a.Listen(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "chinhquyen đang chạy tại / is running at %s\n", srv.URL)
	if onNATS {
		fmt.Fprintf(e.stdout, "Trao đổi văn bản qua NATS JetStream / document exchange over NATS JetStream: %s\n", a.Config.Exchange.NATSRedacted())
	}
	printDemoLogins(e, srv.URL, a.Config.DemoProvince, logins)
	log.Info("serving", "url", srv.URL, "database", a.DB.Location)
	if srv.MetricsURL != "" {
		log.Info("serving metrics", "url", srv.MetricsURL+"/metrics")
	} else {
		log.Info("metrics not served: set --metrics-addr (e.g. 127.0.0.1:9464) to expose /metrics to Prometheus")
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
		return srv.Shutdown()
	case err := <-srv.Done():
		return err
	}
}

// printDemoLogins shows the demo accounts created on first start, one per
// role, so a new user can sign in at once.
func printDemoLogins(e *env, url, province string, logins []app.DemoLogin) {
	if len(logins) == 0 {
		return
	}
	name := province
	if p, err := org.LookupDemoProvince(province); err == nil {
		name = p.Name + " (" + p.Code + ")"
	}
	fmt.Fprintf(e.stdout, "\nĐã nạp tỉnh mẫu %s. Tài khoản mẫu / demo logins (đăng nhập tại %s/login):\n", name, url)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  vai trò / role\ttên đăng nhập / username\tmật khẩu / password")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", l.Role, l.Username, l.Password)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, "Các tài khoản này chỉ để dùng thử: hãy xoá chúng trước khi đưa vào sử dụng thật.")
}
