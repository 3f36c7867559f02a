package dvcqg_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

// fakePortal behaves as the portal's documented integration interface:
// POST /auth {username, password} with the dstcode header gives a
// session; POST /integration {session, madonvi, service, data,
// isUpdating} runs DongBoHoSoMC, CapNhatTienDoHoSoMC and TraCuuHoSo; a
// success answers error_code "00", a refusal another code and a message.
// Its knobs make it expire sessions, fail with 503, hang, or refuse.
type fakePortal struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	sessions  map[string]bool
	issued    int
	authCalls int
	calls     map[string]int // per service
	dossiers  map[string]map[string]any
	statuses  map[string][]string // per dossier, every TrangThaiHoSo received in order
	progress  map[string][]map[string]any
	bodies    []json.RawMessage // every integration request body
	downFor   int               // answer 503 to the next n integration calls
	hang      bool              // never answer (until the client gives up)
	refuse    string            // answer DongBoHoSoMC with this error_code
	failNext  map[string]int    // answer the next n calls of a service with 500
	numeric0  bool              // answer auth's error_code as the number 0
	mustRenew bool              // every session is refused once (expired)
}

const (
	testUser    = "tinh.h15"
	testPass    = "mat-khau-thu"
	testDst     = "H15"
	testDonVi   = "H15.01.01"
	authPath    = "/api/auth"
	integration = "/api/integration"
)

func newFakePortal(t *testing.T) *fakePortal {
	p := &fakePortal{t: t, sessions: map[string]bool{}, calls: map[string]int{}, dossiers: map[string]map[string]any{},
		statuses: map[string][]string{}, progress: map[string][]map[string]any{}, failNext: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+authPath, p.auth)
	mux.HandleFunc("POST "+integration, p.integrate)
	mux.HandleFunc("GET /files/{name}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("name") {
		case "to-khai.pdf":
			_, _ = w.Write([]byte("%PDF-1.7 tờ khai"))
		case "lon.pdf":
			_, _ = w.Write(make([]byte, 5000))
		case "loi.pdf":
			w.WriteHeader(http.StatusBadGateway)
		default:
			http.NotFound(w, r)
		}
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakePortal) config() dvcqg.Config {
	return dvcqg.Config{BaseURL: p.srv.URL, AuthEndpoint: authPath, IntegrationEndpoint: integration,
		Username: testUser, Password: testPass, DstCode: testDst, MaDonVi: testDonVi, Timeout: 2 * time.Second}
}

func (p *fakePortal) client(t *testing.T) *dvcqg.Client {
	c, err := dvcqg.NewClient(p.config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *fakePortal) auth(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.authCalls++
	if r.Header.Get("dstcode") != testDst {
		answer(w, 200, map[string]any{"error_code": "10", "message": "Thiếu hoặc sai dstcode"})
		return
	}
	var in struct{ Username, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Username != testUser || in.Password != testPass {
		answer(w, 200, map[string]any{"error_code": "11", "message": "Sai tên đăng nhập hoặc mật khẩu"})
		return
	}
	p.issued++
	s := fmt.Sprintf("phien-%d", p.issued)
	p.sessions[s] = true
	var code any = "00"
	if p.numeric0 {
		code = 0
	}
	answer(w, 200, map[string]any{"session": s, "error_code": code})
}

func (p *fakePortal) integrate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Session    string            `json:"session"`
		MaDonVi    string            `json:"madonvi"`
		Service    string            `json:"service"`
		IsUpdating string            `json:"isUpdating"`
		MaHoSo     string            `json:"mahoso"`
		Data       []json.RawMessage `json:"data"`
	}
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil || json.Unmarshal(raw, &body) != nil {
		answer(w, 400, map[string]any{"error_code": "400", "message": "JSON không hợp lệ"})
		return
	}
	p.mu.Lock()
	hang := p.hang
	p.mu.Unlock()
	if hang {
		<-r.Context().Done()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[body.Service]++
	p.bodies = append(p.bodies, raw)
	if p.downFor > 0 {
		p.downFor--
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<html>503 Service Unavailable</html>"))
		return
	}
	if r.Header.Get("dstcode") != testDst || body.MaDonVi != testDonVi {
		answer(w, 200, map[string]any{"error_code": "10", "message": "Sai dstcode hoặc madonvi"})
		return
	}
	if !p.sessions[body.Session] {
		answer(w, 200, map[string]any{"error_code": "401", "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"})
		return
	}
	if p.mustRenew {
		p.mustRenew = false
		delete(p.sessions, body.Session)
		answer(w, 200, map[string]any{"error_code": "401", "message": "Phiên làm việc đã hết hạn"})
		return
	}
	if p.failNext[body.Service] > 0 {
		p.failNext[body.Service]--
		answer(w, 500, map[string]any{"error_code": "500", "message": "Lỗi hệ thống"})
		return
	}
	switch body.Service {
	case dvcqg.ServiceSync:
		if p.refuse != "" {
			answer(w, 200, map[string]any{"error_code": p.refuse, "message": "Dữ liệu không hợp lệ: MaTTHC không có trong CSDL quốc gia"})
			return
		}
		for _, d := range body.Data {
			var m map[string]any
			if err := json.Unmarshal(d, &m); err != nil {
				answer(w, 200, map[string]any{"error_code": "05", "message": "Dữ liệu hồ sơ không hợp lệ"})
				return
			}
			code, _ := m["MaHoSo"].(string)
			_, exists := p.dossiers[code]
			switch {
			case code == "":
				answer(w, 200, map[string]any{"error_code": "05", "message": "Thiếu MaHoSo"})
				return
			case body.IsUpdating == "False" && exists:
				answer(w, 200, map[string]any{"error_code": "02", "message": "Hồ sơ đã tồn tại"})
				return
			case body.IsUpdating == "True" && !exists:
				answer(w, 200, map[string]any{"error_code": "03", "message": "Không tìm thấy hồ sơ để cập nhật"})
				return
			}
			for _, k := range []string{"NgayTiepNhan", "NgayHenTra"} {
				if s, _ := m[k].(string); s != "" {
					if _, err := dvcqg.ParseTime(s); err != nil {
						answer(w, 200, map[string]any{"error_code": "05", "message": k + " sai định dạng"})
						return
					}
				}
			}
			p.dossiers[code] = m
			p.statuses[code] = append(p.statuses[code], m["TrangThaiHoSo"].(string))
		}
		answer(w, 200, map[string]any{"error_code": "00", "message": "Thành công"})
	case dvcqg.ServiceProgress:
		for _, d := range body.Data {
			var m map[string]any
			_ = json.Unmarshal(d, &m)
			code, _ := m["MaHoSo"].(string)
			if _, ok := p.dossiers[code]; !ok {
				answer(w, 200, map[string]any{"error_code": "03", "message": "Không tìm thấy hồ sơ"})
				return
			}
			p.progress[code] = append(p.progress[code], m)
		}
		answer(w, 200, map[string]any{"error_code": "00"})
	case dvcqg.ServiceProcedureList:
		answer(w, 200, map[string]any{"error_code": "00", "result": []any{
			map[string]any{"MATTHC": "1.001193", "TENTTHC": "Thu\u0309 tu\u0323c đăng ký khai sinh"},
			map[string]any{"MATTHC": "2.000815", "TENTTHC": "Chứng thực bản sao từ bản chính"}}})
	case dvcqg.ServiceProcedure:
		var q struct {
			MaTTHC string `json:"maTTHC"`
		}
		_ = json.Unmarshal(raw, &q)
		if q.MaTTHC != "1.001193" {
			answer(w, 200, map[string]any{"error_code": "00", "result": []any{}})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(procedureRecord))
	case dvcqg.ServiceLookup:
		result := []any{}
		if d, ok := p.dossiers[body.MaHoSo]; ok {
			result = append(result, d)
		}
		answer(w, 200, map[string]any{"error_code": "00", "result": result})
	default:
		answer(w, 200, map[string]any{"error_code": "04", "message": "Dịch vụ không tồn tại"})
	}
}

func (p *fakePortal) set(fn func(p *fakePortal)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

func (p *fakePortal) read(fn func(p *fakePortal)) { p.set(fn) }

// procedureRecord is LayThuTuc's answer for birth registration, numbers
// as the portal sends them.
const procedureRecord = `{"error_code":"00","result":[{"MATTHC":"1.001193","TENTTHC":"Đăng ký khai sinh",
"LINHVUCTHUCHIEN":[{"MALINHVUC":"G09-TP03","TENLINHVUC":"Hộ tịch"}],
"CACHTHUCTHUCHIEN":[{"KENH":2,"THOIGIAN":[{"THOIGIANGIAIQUYET":0,"DONVITINH":"Ngày làm việc","MOTA":"Ngay trong ngày; sau 15 giờ thì trong ngày làm việc tiếp theo",
"PHILEPHI":[{"MAPHILEPHI":"LP1","SOTIEN":0,"DONVI":"Đồng","MOTA":"Miễn lệ phí đăng ký khai sinh đúng hạn"}]}]}],
"THANHPHANHOSO":[{"TRUONGHOP":"","GIAYTO":[{"MAGIAYTO":"TK","TENGIAYTO":"Tờ khai đăng ký khai sinh","TENMAUDON":"To khai.docx","URL":""},
{"MAGIAYTO":"GCS","TENGIAYTO":"Giấy chứng sinh","TENMAUDON":"","URL":""}]}],
"COQUANTHUCHIEN":[{"MADONVI":"H15.99","TENDONVI":"UBND cấp xã"}],
"KETQUATHUCHIEN":[{"MAKETQUA":"KQ1","TENKETQUA":"Giấy khai sinh (bản chính)"}],"YEUCAU":"Không"}]}`
