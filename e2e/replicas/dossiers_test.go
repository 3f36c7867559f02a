package replicas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
)

// Nothing acknowledged is lost (Decree 118/2025: the receipt's code is the
// applicant's proof of submission): citizens submit dossiers online while
// the server, on its default embedded SQLite, is killed with SIGKILL; after
// a restart every dossier whose code was returned is found by its code,
// and every submission retried with its Idempotency-Key gets the code it
// was given, or one code, never two.
func TestSubmittedDossiersSurviveSIGKILL(t *testing.T) {
	work := t.TempDir()
	bin := filepath.Join(work, "chinhquyen")
	build := exec.Command("go", "build", "-o", bin, "github.com/chinhquyen/chinhquyen/cmd/chinhquyen")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(work, "data")
	env := []string{"CHINHQUYEN_LOG_LEVEL=warn"}
	first := start(t, bin, "first", dir, env)
	first.waitReady(t, 3*time.Minute)
	logins := demoLogins(t, first)
	citizen, ok := logins["citizen"]
	if !ok {
		t.Fatalf("no demo citizen among %v", sortedKeys(logins))
	}
	token := apiLogin(t, first, citizen)
	status, up, err := upload(first, token, append(blobtest.PDF(), make([]byte, 100<<10)...), false)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("upload: %d %s %v", status, up, err)
	}
	var u struct{ ID string }
	must(t, json.Unmarshal(up, &u))
	body := birthRegistration(t, first, u.ID)

	// Submit from 16 clients until the kill; remember what each key got.
	const clients = 16
	var acked sync.Map              // key → code
	var tries [clients]atomic.Int64 // keys each client tried
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("crash-%d-%d", c, i)
				tries[c].Add(1)
				if code, status, err := submit(first.url, token, key, body); err == nil && status == http.StatusCreated {
					acked.Store(key, code)
				}
			}
		}()
	}
	for n := 0; n < 200; n++ { // at least a few hundred in flight before the kill
		time.Sleep(10 * time.Millisecond)
		if count(&acked) >= 100 {
			break
		}
	}
	first.kill(t)
	close(stop)
	wg.Wait()
	got := count(&acked)
	if got == 0 {
		t.Fatalf("no dossier acknowledged before the kill:\n%s", first.out)
	}

	second := start(t, bin, "second", dir, env)
	second.waitReady(t, 3*time.Minute)
	acked.Range(func(k, v any) bool {
		resp, err := noRedirect.Get(second.url + "/api/v1/track/" + v.(string))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("dossier %s (key %s) acknowledged before the kill: tracking answers %d %s", v, k, resp.StatusCode, b)
		}
		return true
	})
	// Every key again: an acknowledged one gets its code back; the others
	// one code each, and no two keys share one.
	token = apiLogin(t, second, citizen)
	seen := map[string]string{}
	tried := 0
	for c := range clients {
		for i := range int(tries[c].Load()) {
			tried++
			key := fmt.Sprintf("crash-%d-%d", c, i)
			code, status, err := submit(second.url, token, key, body)
			if err != nil || (status != http.StatusOK && status != http.StatusCreated) {
				t.Fatalf("retry of %s: %d %v", key, status, err)
			}
			if want, ok := acked.Load(key); ok && code != want.(string) {
				t.Errorf("retry of %s: code %s, acknowledged as %s before the kill", key, code, want)
			}
			if other, dup := seen[code]; dup {
				t.Errorf("keys %s and %s share the dossier %s", other, key, code)
			}
			seen[code] = key
		}
	}
	t.Logf("%d submissions tried, %d acknowledged before SIGKILL, all found after the restart", tried, got)
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// birthRegistration is the JSON of a birth registration (1.001193) whose
// form the procedure's own description fills with valid values.
func birthRegistration(t *testing.T, r *replica, upload string) []byte {
	t.Helper()
	resp, err := noRedirect.Get(r.url + "/api/v1/procedures/1.001193")
	must(t, err)
	defer resp.Body.Close()
	var p struct {
		Fields []struct {
			Name, Type string
			Options    []string
		}
		Components []struct {
			Code     string
			Required bool
		}
	}
	must(t, json.NewDecoder(resp.Body).Decode(&p))
	values := map[string]string{"text": "Lù Thị Mai", "number": "1", "date": "02/03/2026", "cccd": "010190012345",
		"phone": "0912345678", "address": "02839|Thôn Na Hối", "tax_code": "0108888888"}
	fields := map[string]string{}
	for _, f := range p.Fields {
		fields[f.Name] = values[f.Type]
		if f.Type == "select" {
			fields[f.Name] = f.Options[0]
		}
	}
	comps := map[string][]string{}
	for _, c := range p.Components {
		if c.Required {
			comps[c.Code] = []string{upload}
		}
	}
	b, err := json.Marshal(map[string]any{"procedure_code": "1.001193", "fields": fields, "components": comps})
	must(t, err)
	return b
}

func submit(base, token, key string, body []byte) (code string, status int, err error) {
	req, _ := http.NewRequest("POST", base+"/api/v1/dossiers", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := noRedirect.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", resp.StatusCode, err
	}
	var d struct{ Code string }
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(b, &d); err != nil || d.Code == "" {
			return "", resp.StatusCode, fmt.Errorf("answer %s: %v", strconv.Quote(string(b)), err)
		}
	}
	return d.Code, resp.StatusCode, nil
}
