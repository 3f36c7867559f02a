package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

func init() {
	register(&command{name: "webhook", summary: "địa chỉ nhận webhook của hệ thống khác (webhook endpoints; see its subcommands)", run: group("webhook", "add", "list", "disable")})
	register(&command{name: "webhook add", summary: "thêm địa chỉ nhận với các sự kiện; in khoá bí mật một lần (add an endpoint, print its secret once)", run: webhookAdd})
	register(&command{name: "webhook list", summary: "liệt kê địa chỉ nhận và lần gửi gần nhất (list endpoints)", run: webhookList})
	register(&command{name: "webhook disable", summary: "tắt một địa chỉ nhận: không gửi sự kiện mới (disable an endpoint)", run: webhookDisable})
}

// webhookAdd adds an endpoint as the operator (audited) and prints its
// secret, which nothing shows again.
func webhookAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var url, events string
	b := config.NewBinder(newFlags(e, "webhook add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&url, "url", "", "the receiving system's https:// address (required)")
	b.FS.StringVar(&events, "events", "", "events it receives, comma-separated, e.g. document.received,document.issued; * for all (required)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	if url == "" || events == "" {
		return usageError(e, b, "cần --url và --events")
	}
	list, err := notify.ParseEvents(events)
	if err != nil {
		return err
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	w, secret, err := a.Notify.AddWebhook(ctx, operator, url, list)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã thêm địa chỉ nhận webhook số %d / added endpoint %d: %s\n  sự kiện / events: %s\n", w.ID, w.ID, w.URL, strings.Join(w.Events, ", "))
	fmt.Fprintf(e.stdout, "  khoá bí mật / secret: %s\n  Chép khoá này vào hệ thống nhận ngay: nó không được hiện lại / copy it now, it is not shown again.\n", secret)
	return nil
}

func webhookList(ctx context.Context, e *env, args []string) error {
	return operatorChange(ctx, e, "webhook list", args, func(ctx context.Context, a *app.App, operator *actor.Actor) error {
		list, err := a.Notify.Webhooks(ctx, operator)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(e.stdout, "Chưa có địa chỉ nhận webhook nào / no webhook endpoints.")
			return nil
		}
		for _, w := range list {
			state := "đang dùng / active"
			if !w.Active() {
				state = "đã tắt / disabled " + locale.FormatDateTime(w.DisabledAt)
			}
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%s", w.ID, w.URL, strings.Join(w.Events, ","), state)
			if l := w.Last; l != nil {
				fmt.Fprintf(e.stdout, "\tlần gửi cuối / last: %s %s %s", l.Status, locale.FormatDateTime(l.At), l.Template)
				if l.Error != "" {
					fmt.Fprintf(e.stdout, " (%s)", l.Error)
				}
			}
			fmt.Fprintln(e.stdout)
		}
		return nil
	})
}

func webhookDisable(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "webhook disable", "ID"))
	cfg.BindDatabase(b)
	var ids []string
	for {
		if err := parseFlags(b, args); err != nil {
			return err
		}
		if b.FS.NArg() == 0 {
			break
		}
		ids, args = append(ids, b.FS.Arg(0)), b.FS.Args()[1:]
	}
	if len(ids) != 1 {
		return usageError(e, b, "cần đúng một số của địa chỉ nhận (xem chinhquyen webhook list)")
	}
	id, err := strconv.ParseInt(ids[0], 10, 64)
	if err != nil || id <= 0 {
		return usageError(e, b, "số của địa chỉ nhận phải là số nguyên dương")
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Notify.DisableWebhook(ctx, operator, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã tắt địa chỉ nhận webhook số %d / endpoint %d disabled.\n", id, id)
	return nil
}
