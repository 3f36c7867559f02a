// Package exchange starts two real `chinhquyen serve` processes on one
// machine, as the README's two-instance try-out does: instance 1 loads the
// Lào Cai demo (province 15, with the ministry) on SQLite, instance 2 the
// Quảng Ninh demo (province 22) on PostgreSQL in a database of its own,
// each on its own loopback ports and data folder. It joins them as
// exchange nodes (`exchange node` on each, `exchange peer add` the other
// way round) and checks what travels between them (QCVN 102:2016 edXML
// packages between the two provinces' agencies).
package exchange

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// bin is the program every instance runs, built once by TestMain.
var bin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cq-exchange-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "chinhquyen")
	build := exec.Command("go", "build", "-o", bin, "github.com/chinhquyen/chinhquyen/cmd/chinhquyen")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	shared.stop()
	return code
}

// instance is one running `serve` process and what it printed.
type instance struct {
	name     string // "Lào Cai" or "Quảng Ninh"
	province string // 15 or 22
	dir      string // data folder
	database string // "" (SQLite in dir) or a postgres:// URL
	addr     string // 127.0.0.1:port of the web server
	exAddr   string // 127.0.0.1:port of the exchange listener, when the build has one
	url      string // http://addr
	cmd      *exec.Cmd
	out      *testenv.SyncBuffer
	done     chan struct{}
	logins   map[string]login
}

type login struct{ user, password string }

// pair is the two instances, started once for the tests that share them.
type pair struct {
	once    sync.Once
	err     string // why the pair could not start
	laoCai  *instance
	qNinh   *instance
	peered  bool
	work    string
	dropDB  func()
	started []*instance
}

var shared pair

// twoInstances returns the shared pair, started on first use: instance 1
// Lào Cai on SQLite, instance 2 Quảng Ninh on PostgreSQL, both answering,
// and joined as exchange peers when the build has the exchange commands.
func twoInstances(t *testing.T) *pair {
	t.Helper()
	shared.once.Do(func() { shared.err = shared.start() })
	if shared.err != "" {
		if strings.HasPrefix(shared.err, "skip: ") {
			if testenv.CI() {
				t.Fatal(strings.TrimPrefix(shared.err, "skip: "))
			}
			t.Skip(strings.TrimPrefix(shared.err, "skip: "))
		}
		t.Fatal(shared.err)
	}
	return &shared
}

func (p *pair) start() string {
	server := os.Getenv(dbtest.EnvPostgres)
	if server == "" {
		return "skip: instance 2 runs on PostgreSQL: start it and set " + dbtest.EnvPostgres + "=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dbURL, drop, err := newDatabase(server)
	if err != nil {
		return err.Error()
	}
	p.dropDB = drop
	if p.work, err = os.MkdirTemp("", "cq-exchange-pair-"); err != nil {
		return err.Error()
	}
	p.laoCai = &instance{name: "Lào Cai", province: "15", dir: filepath.Join(p.work, "laocai")}
	p.qNinh = &instance{name: "Quảng Ninh", province: "22", dir: filepath.Join(p.work, "quangninh"), database: dbURL}
	// One after the other: a first start (migrations, the demo's year of
	// documents, certificates) keeps both cores busy.
	for _, in := range []*instance{p.laoCai, p.qNinh} {
		if err := in.launch(); err != nil {
			return err.Error()
		}
		p.started = append(p.started, in)
		if err := in.waitReady(3 * time.Minute); err != nil {
			return err.Error()
		}
		if in.logins, err = demoLogins(in.out.String()); err != nil {
			return in.name + ": " + err.Error()
		}
	}
	if !hasCommand("exchange", "peer", "add") {
		return ""
	}
	if err := peer(p.laoCai, p.qNinh); err != nil {
		return err.Error()
	}
	if err := peer(p.qNinh, p.laoCai); err != nil {
		return err.Error()
	}
	p.peered = true
	return ""
}

func (p *pair) stop() {
	for _, in := range p.started {
		in.stop()
	}
	if p.dropDB != nil {
		p.dropDB()
	}
	if p.work != "" {
		os.RemoveAll(p.work)
	}
}

// newDatabase creates a fresh PostgreSQL database for instance 2 on the
// server and returns its URL and what drops it.
func newDatabase(server string) (string, func(), error) {
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", dbtest.EnvPostgres, err)
	}
	defer admin.Close()
	ctx := context.Background()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cqexchange_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("create the database of instance 2 (is PostgreSQL running?): %w", err)
	}
	drop := func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	u, err := url.Parse(server)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("%s is not a URL: %w", dbtest.EnvPostgres, err)
	}
	u.Path = "/" + name
	return strings.TrimSuffix(u.String(), "?"), drop, nil
}

// launch starts serve. The ports are chosen first so that the demo's
// certificates name the running server as their OCSP responder and CA
// issuer (a PDF signature is validated against them at the receiver).
func (in *instance) launch() error {
	if err := os.MkdirAll(in.dir, 0o700); err != nil {
		return err
	}
	var err error
	if in.addr == "" {
		if in.addr, err = freeAddr(); err != nil {
			return err
		}
		in.url = "http://" + in.addr
	}
	args := []string{"serve", "--addr", in.addr, "--data", in.dir, "--demo-province", in.province}
	if in.database != "" {
		args = append(args, "--database", in.database)
	}
	if serveHasFlag("exchange-addr") {
		if in.exAddr == "" {
			if in.exAddr, err = freeAddr(); err != nil {
				return err
			}
		}
		args = append(args, "--exchange-addr", in.exAddr)
		if serveHasFlag("exchange-url") {
			args = append(args, "--exchange-url", "https://"+in.exAddr)
		}
	}
	in.out, in.done = &testenv.SyncBuffer{}, make(chan struct{})
	in.cmd = exec.Command(bin, args...)
	in.cmd.Env = append(cleanEnv(), "CHINHQUYEN_LOG_LEVEL=warn")
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		return err
	}
	go func() { in.cmd.Wait(); close(in.done) }()
	return nil
}

// waitReady waits for the instance's /readyz.
func (in *instance) waitReady(within time.Duration) error {
	deadline := clock.Now().Add(within)
	for {
		select {
		case <-in.done:
			return fmt.Errorf("instance %s (%s) exited: %v\n%s", in.name, in.province, in.cmd.ProcessState, in.out)
		default:
		}
		if resp, err := http.Get(in.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if clock.Now().After(deadline) {
			return fmt.Errorf("instance %s not ready within %v:\n%s", in.name, within, in.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop ends the instance with SIGTERM (serve finishes in-flight requests).
func (in *instance) stop() {
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
}

// restart starts a stopped instance again on the same ports and data.
func (in *instance) restart(t *testing.T) {
	t.Helper()
	if err := in.launch(); err != nil {
		t.Fatal(err)
	}
	if err := in.waitReady(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
}

// command runs a chinhquyen command against the instance's data (and
// database) and returns its standard output.
func (in *instance) command(args ...string) (string, error) {
	args = append(args, "--data", in.dir)
	if in.database != "" {
		args = append(args, "--database", in.database)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), "CHINHQUYEN_LOG_LEVEL=warn")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s: chinhquyen %s: %v\n%s%s", in.name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// node is what `exchange node` printed: the node's URL and certificate.
type node struct {
	url  string
	cert []byte // PEM
	text string
}

var urlRE = regexp.MustCompile(`https?://[^\s"']+`)

func (in *instance) node() (node, error) {
	args := []string{"exchange", "node"}
	if in.exAddr != "" && commandHasFlag("exchange-url", "exchange", "node") {
		// The URL peers reach this node at, as serve was given it.
		args = append(args, "--exchange-url", "https://"+in.exAddr)
	}
	out, err := in.command(args...)
	if err != nil {
		return node{}, err
	}
	n := node{text: out}
	if m := urlRE.FindString(out); m != "" {
		n.url = m
	}
	if b, _ := pem.Decode([]byte(out[strings.Index(out, "-----BEGIN"):])); strings.Contains(out, "-----BEGIN") && b != nil {
		n.cert = pem.EncodeToMemory(b)
	}
	if n.url == "" || n.cert == nil {
		return n, fmt.Errorf("%s: exchange node printed no URL or certificate:\n%s", in.name, out)
	}
	return n, nil
}

// peer makes `to` trust `from`: from's node URL and certificate, added on
// to with `exchange peer add` (which reads from's signed directory).
func peer(from, to *instance) error {
	n, err := from.node()
	if err != nil {
		return err
	}
	cert := filepath.Join(to.dir, "peer-"+from.province+".pem")
	if err := os.WriteFile(cert, n.cert, 0o600); err != nil {
		return err
	}
	_, err = to.command("exchange", "peer", "add", "--url", n.url, "--cert", cert, "--name", from.name)
	return err
}

// hasCommand reports whether the built program knows a command.
func hasCommand(words ...string) bool {
	out, _ := exec.Command(bin, append(words, "--help")...).CombinedOutput()
	return !strings.Contains(string(out), "không có lệnh") && !strings.Contains(string(out), "unknown command")
}

// commandHasFlag reports whether a command has a flag (--help lists it).
func commandHasFlag(name string, words ...string) bool {
	out, _ := exec.Command(bin, append(words, "--help")...).CombinedOutput()
	return strings.Contains(string(out), "-"+name+" ")
}

var serveHelp = sync.OnceValue(func() string {
	out, _ := exec.Command(bin, "serve", "--help").CombinedOutput()
	return string(out)
})

// serveHasFlag reports whether serve has a flag (the exchange listener's).
func serveHasFlag(name string) bool { return strings.Contains(serveHelp(), "-"+name+" ") }

// demoLogins reads the table of demo logins the first start prints.
func demoLogins(out string) (map[string]login, error) {
	logins := map[string]login{}
	sc := bufio.NewScanner(strings.NewReader(out))
	table := false
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "tên đăng nhập / username") {
			table = true
			continue
		}
		f := strings.Fields(line)
		if !table || !strings.HasPrefix(line, "  ") || len(f) < 3 {
			table = false
			continue
		}
		logins[f[len(f)-2]] = login{f[len(f)-2], f[len(f)-1]}
	}
	if len(logins) == 0 {
		return nil, fmt.Errorf("no demo logins printed:\n%s", out)
	}
	return logins, nil
}

// get returns a page's body (status 200 required).
func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(body)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cleanEnv is the test's environment without CHINHQUYEN_ settings, so
// that each instance runs on its own flags only.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHINHQUYEN_") {
			out = append(out, kv)
		}
	}
	return out
}
