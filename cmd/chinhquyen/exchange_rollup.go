package main

import (
	"context"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

// parent joins the peer group's list (package variables are initialised
// before any init function builds the group).
var _ = func() bool {
	exchangePeerCommands = append(exchangePeerCommands, "parent")
	return true
}()

func init() {
	register(&command{name: "exchange peer parent", summary: "đặt một nút làm nút cấp trên: nút này gửi thống kê một cửa và văn bản tới nút đó mỗi giờ ([--off] ID; make a peer a parent node for the statistics roll-up)", run: exchangePeerParent})
}

func exchangePeerParent(ctx context.Context, e *env, args []string) error {
	var off bool
	flags := func(b *config.Binder) {
		b.FS.BoolVar(&off, "off", false, "no longer a parent: stop sending statistics to it")
	}
	return withPeerIDFlags(ctx, e, "exchange peer parent", args, flags, func(ctx context.Context, a *app.App, operator *actor.Actor, id int64) error {
		if err := a.Exchange.SetParent(ctx, operator, id, !off); err != nil {
			return err
		}
		if off {
			fmt.Fprintf(e.stdout, "Nút số %d không còn là nút cấp trên / peer %d is no longer a parent.\n", id, id)
			return nil
		}
		fmt.Fprintf(e.stdout, "Nút số %d là nút cấp trên: thống kê được gửi tới nút này mỗi giờ / peer %d is a parent: statistics are pushed to it every hour.\n", id, id)
		pushNow(ctx, e, a)
		return nil
	})
}

// pushNow sends the statistics once at once, so the operator sees whether
// the parent accepts them without waiting for the hour; a failure is only
// reported (the hourly job tries again).
func pushNow(ctx context.Context, e *env, a *app.App) {
	if err := a.Exchange.PushStats(ctx); err != nil {
		fmt.Fprintf(e.stdout, "Chưa gửi được thống kê, sẽ thử lại mỗi giờ / not sent yet, retried every hour: %s\n", apperr.MessageOf(err))
		return
	}
	fmt.Fprintln(e.stdout, "Đã gửi thống kê tới các nút cấp trên / statistics sent to the parent nodes.")
}
