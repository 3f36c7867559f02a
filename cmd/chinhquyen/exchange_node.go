package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// exchangePeerCommands are the subcommands of `exchange peer`.
var exchangePeerCommands = []string{"add", "list", "refresh", "remove"}

// node and peer join the exchange group's list (package variables are
// initialised before any init function builds the group).
var _ = func() bool {
	exchangeCommands = append(exchangeCommands, "node", "peer")
	return true
}()

func init() {
	register(&command{name: "exchange node", summary: "in địa chỉ, chứng thư số (PEM) và các mã định danh của nút này (this node: URL, certificate, agency codes)", run: exchangeNode})
	register(&command{name: "exchange peer", summary: "các nút kết nối tin cậy: add, list, remove (trusted peer nodes)", run: exchangePeer})
	register(&command{name: "exchange peer add", summary: "tin cậy một nút: ghim chứng thư số, đọc danh bạ đã ký (--url URL --cert FILE [--name NAME] [--parent])", run: exchangePeerAdd})
	register(&command{name: "exchange peer list", summary: "liệt kê các nút kết nối, tình trạng và mã định danh (list peers with their health)", run: exchangePeerList})
	register(&command{name: "exchange peer refresh", summary: "đọc lại danh bạ đã ký của một nút: cơ quan mới hoặc đã bỏ (re-read a peer's directory)", run: exchangePeerRefresh})
	register(&command{name: "exchange peer remove", summary: "gỡ một nút kết nối (remove a peer by its number)", run: exchangePeerRemove})
}

// exchangePeer dispatches `exchange peer <add|list|remove>` (lookup matches
// two words) and lists them otherwise.
func exchangePeer(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		if c := commands["exchange peer "+args[0]]; c != nil {
			return c.run(ctx, e, args[1:])
		}
	}
	return group("exchange peer", exchangePeerCommands...)(ctx, e, args)
}

// exchangeNode prints what a peer's administrator needs to trust this node.
func exchangeNode(ctx context.Context, e *env, args []string) error {
	return operatorChange(ctx, e, "exchange node", args, func(ctx context.Context, a *app.App, operator *actor.Actor) error {
		n, err := a.Exchange.Node(ctx, operator)
		if err != nil {
			return err
		}
		url := n.URL
		if url == "" {
			url = "(chưa đặt --exchange-url / not set)"
		}
		fmt.Fprintf(e.stdout, "Địa chỉ / URL: %s\nVân tay SHA-256 / fingerprint: %s\nMã định danh / agency codes (%d):\n", url, n.Fingerprint, len(n.Agencies))
		for _, g := range n.Agencies {
			fmt.Fprintf(e.stdout, "  %-24s %s\n", g.Code, g.Name)
		}
		fmt.Fprintf(e.stdout, "Chứng thư số / certificate:\n%s", n.CertPEM)
		return nil
	})
}

func exchangePeerAdd(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var url, certFile, name string
	var parent bool
	b := config.NewBinder(newFlags(e, "exchange peer add", ""))
	cfg.BindDatabase(b)
	b.FS.StringVar(&url, "url", "", "the peer's exchange base URL, https://… (required)")
	b.FS.StringVar(&certFile, "cert", "", "the peer's node certificate, PEM or DER, as its `exchange node` printed it (required)")
	b.FS.StringVar(&name, "name", "", "a name for the peer (default: the certificate's common name)")
	b.FS.BoolVar(&parent, "parent", false, "make it a parent node: this node pushes its statistics to it every hour")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	if url == "" || certFile == "" {
		return usageError(e, b, "cần --url và --cert")
	}
	pem, err := readCertFile(certFile, 64<<10)
	if err != nil {
		return err
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	p, err := a.Exchange.AddPeer(ctx, operator, exchange.AddPeerRequest{URL: url, CertPEM: pem, Name: name})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã tin cậy nút số %d / trusted peer %d: %s (%s)\n  vân tay / fingerprint: %s\n  mã định danh / agency codes: %d\n",
		p.ID, p.ID, p.Name, p.URL, p.Fingerprint, len(p.Agencies))
	for _, g := range p.Agencies {
		fmt.Fprintf(e.stdout, "    %-24s %s\n", g.Code, g.Name)
	}
	if parent {
		if err := a.Exchange.SetParent(ctx, operator, p.ID, true); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "  nút cấp trên / parent: thống kê được gửi tới nút này mỗi giờ / statistics are pushed to it every hour\n")
		pushNow(ctx, e, a)
	}
	return nil
}

// readCertFile reads a small file the operator names.
func readCertFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("tệp %s quá lớn (tối đa %d byte)", name, max)
	}
	return data, nil
}

func exchangePeerList(ctx context.Context, e *env, args []string) error {
	return operatorChange(ctx, e, "exchange peer list", args, func(ctx context.Context, a *app.App, operator *actor.Actor) error {
		peers, err := a.Exchange.Peers(ctx, operator)
		if err != nil {
			return err
		}
		if len(peers) == 0 {
			fmt.Fprintln(e.stdout, "Chưa tin cậy nút kết nối nào / no peers.")
			return nil
		}
		for _, p := range peers {
			contact := "chưa / never"
			if !p.LastContact.IsZero() {
				contact = locale.FormatDateTime(p.LastContact)
			}
			state := "hoạt động / up"
			if p.Down {
				state = "mất kết nối / down: " + p.LastError
			}
			codes := make([]string, len(p.Agencies))
			for i, g := range p.Agencies {
				codes[i] = g.Code
			}
			fmt.Fprintf(e.stdout, "%d\t%s\t%s\n\tvân tay / fingerprint: %s\n\tliên lạc gần nhất / last contact: %s; hàng đợi / queue: %d; lỗi liên tiếp / failures: %d; %s\n\tmã định danh / codes: %s\n",
				p.ID, p.Name, p.URL, p.Fingerprint, contact, p.Queue, p.Failures, state, strings.Join(codes, ", "))
		}
		return nil
	})
}

func exchangePeerRefresh(ctx context.Context, e *env, args []string) error {
	return withPeerID(ctx, e, "exchange peer refresh", args, func(ctx context.Context, a *app.App, operator *actor.Actor, id int64) error {
		p, err := a.Exchange.RefreshPeer(ctx, operator, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã đọc lại danh bạ của nút số %d / refreshed peer %d: %d mã định danh / agency codes.\n", p.ID, p.ID, len(p.Agencies))
		return nil
	})
}

func exchangePeerRemove(ctx context.Context, e *env, args []string) error {
	return withPeerID(ctx, e, "exchange peer remove", args, func(ctx context.Context, a *app.App, operator *actor.Actor, id int64) error {
		if err := a.Exchange.RemovePeer(ctx, operator, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã gỡ nút kết nối số %d / removed peer %d.\n", id, id)
		return nil
	})
}

// withPeerID runs a command taking the database flags and one peer number.
func withPeerID(ctx context.Context, e *env, name string, args []string, fn func(context.Context, *app.App, *actor.Actor, int64) error) error {
	return withPeerIDFlags(ctx, e, name, args, nil, fn)
}

// withPeerIDFlags is withPeerID for a command with flags of its own, bound
// by flags.
func withPeerIDFlags(ctx context.Context, e *env, name string, args []string, flags func(*config.Binder), fn func(context.Context, *app.App, *actor.Actor, int64) error) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, name, "ID"))
	cfg.BindDatabase(b)
	if flags != nil {
		flags(b)
	}
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() != 1 {
		return usageError(e, b, "cần đúng một số hiệu nút (xem exchange peer list)")
	}
	id, err := strconv.ParseInt(b.FS.Arg(0), 10, 64)
	if err != nil || id <= 0 {
		return usageError(e, b, "số hiệu nút không hợp lệ")
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(ctx, a, operator, id)
}
