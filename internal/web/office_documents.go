package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

// Office are the pages of an agency's documents: the list
// (/office/documents), the clerk's incoming registration
// (/office/documents/new), a document with its files, signature reports
// and timeline (/office/documents/{id}), and the registers
// (/office/registers) with their xlsx and PDF forms. They are thin: the
// documents service asks access.Can, audits and filters lists in SQL.
type Office struct {
	rd    *renderer
	docs  *documents.Service
	blob  *blob.Service
	org   *org.Service
	tasks *tasks.Service
	index *search.Service
	now   func() time.Time
	// remote, when set, shows the recipients on peer nodes of an issued
	// document with their last status, and lets the clerk revoke it.
	remote *docex.Service
}

// OfficeDeps are what the document pages need; Tasks may be nil (no
// direction events on the timeline, no direction link).
type OfficeDeps struct {
	Documents *documents.Service
	Uploads   *blob.Service
	Org       *org.Service
	Tasks     *tasks.Service
	// Search, when set, tells the page whether the files' text is
	// searchable yet (extracted or OCRed in a background job).
	Search *search.Service
	// Exchange, when set, serves the recipients on peer nodes.
	Exchange *docex.Service
}

// Office returns the document pages sharing h's templates.
func (h *Handler) Office(d OfficeDeps) *Office {
	return &Office{rd: h.rd, docs: d.Documents, blob: d.Uploads, org: d.Org, tasks: d.Tasks, index: d.Search, now: h.deps.Now, remote: d.Exchange}
}

// Register mounts the pages on mux. POST /office/documents/new takes
// files: the application gives it the upload routes' body limit.
func (p *Office) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /office/documents", p.list)
	mux.HandleFunc("GET /office/documents/new", p.newForm)
	mux.HandleFunc("POST /office/documents/new", p.register)
	mux.HandleFunc("GET /office/documents/{id}", p.show)
	mux.HandleFunc("GET /office/documents/{id}/files/{n}", p.file)
	mux.HandleFunc("POST /office/documents/{id}/revoke", p.revoke)
	mux.HandleFunc("POST /office/documents/{id}/takeback", p.takeBack)
	mux.HandleFunc("GET /office/registers", p.registers)
}

// NewDocumentRoute takes the registration form with its files.
const NewDocumentRoute = "/office/documents/new"

type option struct {
	Value, Label string
	Selected     bool
}

type docListData struct {
	Direction  string
	Query      documents.ListQuery
	Page       documents.ListPage
	Rows       []docRow
	Years      []option
	Types      []option
	Urgencies  []option
	Statuses   []option
	Prev, Next string // links to the neighbouring pages, "" at the ends
	CanAdd     bool
	CanPrint   bool
	Agencies   map[int64]string
	ShowAgency bool
}

type docRow struct {
	documents.ListItem
	Received, Issued string
	UrgencyLabel     string
	LevelLabel       string
	StatusLabel      string
	Urgent           bool
	AgencyName       string
}

// typeOptions lists the Appendix III types in Vietnamese collation order.
func typeOptions(selected string) []option {
	ts := documents.Types()
	locale.SortFunc(ts, func(t documents.Type) string { return t.Name })
	out := []option{}
	for _, t := range ts {
		out = append(out, option{Value: t.Code, Label: t.Name, Selected: t.Code == selected})
	}
	return out
}

func urgencyOptions(selected documents.Urgency) []option {
	var out []option
	for _, u := range []documents.Urgency{documents.UrgencyNormal, documents.UrgencyUrgent, documents.UrgencyVeryUrgent, documents.UrgencyFlash} {
		out = append(out, option{Value: string(u), Label: u.Label(), Selected: u == selected})
	}
	return out
}

func (p *Office) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	qs := r.URL.Query()
	q := documents.ListQuery{Direction: documents.Incoming, Type: qs.Get("type"), Urgency: documents.Urgency(qs.Get("urgency")), Status: qs.Get("status")}
	if qs.Get("dir") == "out" {
		q.Direction = documents.Outgoing
	}
	var err error
	if v := qs.Get("year"); v != "" {
		if q.Year, err = strconv.Atoi(v); err != nil {
			p.rd.errorPage(w, r, apperr.FieldError("year", "Năm %q không hợp lệ", v))
			return
		}
	}
	if v := qs.Get("page"); v != "" {
		if q.Page, err = strconv.Atoi(v); err != nil {
			p.rd.errorPage(w, r, apperr.FieldError("page", "Trang %q không hợp lệ", v))
			return
		}
	}
	page, err := p.docs.List(r.Context(), a, q)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	years, err := p.docs.Years(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := docListData{Direction: string(q.Direction), Query: q, Page: page, Types: typeOptions(q.Type), Urgencies: urgencyOptions(q.Urgency),
		CanAdd: holds(a, access.DocumentsIncomingRegister), CanPrint: holds(a, access.DocumentsRead), Agencies: map[int64]string{}}
	for _, y := range years {
		d.Years = append(d.Years, option{Value: strconv.Itoa(y), Label: strconv.Itoa(y), Selected: y == q.Year})
	}
	statuses := []string{documents.StatusRegistered, documents.StatusWithdrawn}
	if q.Direction == documents.Outgoing {
		statuses = []string{documents.StatusDraft, documents.StatusReview, documents.StatusReturned, documents.StatusApproved,
			documents.StatusSigned, documents.StatusNumbered, documents.StatusIssued}
	}
	for _, s := range statuses {
		d.Statuses = append(d.Statuses, option{Value: s, Label: documents.StatusLabel(s), Selected: s == q.Status})
	}
	for _, it := range page.Items {
		if it.AgencyID != a.AgencyID {
			d.ShowAgency = true
		}
		if _, ok := d.Agencies[it.AgencyID]; !ok {
			d.Agencies[it.AgencyID] = p.agencyName(r, it.AgencyID)
		}
		row := docRow{ListItem: it, Received: locale.FormatDate(time.UnixMicro(it.ReceivedAt)), UrgencyLabel: it.Urgency.Label(),
			LevelLabel: it.Classification.Label(), StatusLabel: documents.StatusLabel(it.Status), Urgent: it.Urgency != documents.UrgencyNormal,
			AgencyName: d.Agencies[it.AgencyID]}
		if day, err := calendar.ParseISO(it.IssuedOn); err == nil {
			row.Issued = day.VN()
		}
		d.Rows = append(d.Rows, row)
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range qs {
			if k != "page" {
				v[k] = vs
			}
		}
		v.Set("page", strconv.Itoa(n))
		return "/office/documents?" + v.Encode()
	}
	if page.Page > 1 {
		d.Prev = link(page.Page - 1)
	}
	if page.Page < page.Pages() {
		d.Next = link(page.Page + 1)
	}
	p.rd.render(w, r, http.StatusOK, "office_documents", "docs.title", d)
}

func (p *Office) agencyName(r *http.Request, id int64) string {
	if p.org == nil {
		return "#" + strconv.FormatInt(id, 10)
	}
	if g, err := p.org.Agency(r.Context(), id, org.Date{}); err == nil {
		return g.Name
	}
	return "#" + strconv.FormatInt(id, 10)
}

// timelineItem is one line of a document's timeline: its own events and
// the direction's, merged by time.
type timelineItem struct {
	At      time.Time
	When    string
	Actor   string
	Label   string
	Text    string
	Comment string
}

type attachmentView struct {
	documents.Attachment
	N      int
	Report *reportView
}

type docData struct {
	Doc          *documents.Document
	Agency       string
	Received     string
	LevelLabel   string
	StatusLabel  string
	Attachments  []attachmentView
	Timeline     []timelineItem
	CanDirect    bool
	CanReply     bool
	SignedBroken bool // an attachment's signature failed: shown, never silently
	// ContentNotice says why the files' text cannot be searched yet
	// (Vietnamese, from docsearch); empty when every file is searchable.
	ContentNotice string
	Notice        string // catalog key
	// Remote are the recipients on peer nodes with their last status;
	// CanRevoke offers the revocation (Business 1) to the issuing clerk.
	Remote    []docex.SentTo
	CanRevoke bool
	// CanTakeBack offers the issuing clerk to ask a recipient to give the
	// document back (status 13), on the rows that allow it.
	CanTakeBack bool
	// CanAnswerTakeBack offers the receiving clerk to answer the sender's
	// request to take a registered document back (15 or 16).
	CanAnswerTakeBack bool
	Error             string
	// From is the package from a peer node an incoming document was
	// registered from (liên thông), nil otherwise.
	From *docex.Received
}

func (p *Office) show(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy văn bản"))
		return
	}
	doc, err := p.docs.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d := docData{Doc: doc, Agency: p.agencyName(r, doc.AgencyID), Received: locale.FormatDateTime(doc.ReceivedAt),
		LevelLabel: doc.Classification.Label(), StatusLabel: documents.StatusLabel(doc.Status)}
	switch r.URL.Query().Get("ok") {
	case "registered":
		d.Notice = "doc.registered"
	case "revoked":
		d.Notice = "doc.remote.revoked"
	case "takeback":
		d.Notice = "doc.remote.takeback_sent"
	case "takeback_answered":
		d.Notice = "doc.remote.takeback_answered"
	}
	d.Error = r.URL.Query().Get("error")
	if len(d.Error) > 500 {
		d.Error = ""
	}
	for i, att := range doc.Attachments {
		v := attachmentView{Attachment: att, N: i + 1}
		if len(att.SignatureReport) > 0 {
			var rep pdfsign.Report
			if json.Unmarshal(att.SignatureReport, &rep) == nil {
				v.Report = newReportView(&rep)
			}
		}
		d.SignedBroken = d.SignedBroken || att.SignatureStatus == documents.SigInvalid
		d.Attachments = append(d.Attachments, v)
	}
	if p.index != nil && len(doc.Attachments) > 0 && !doc.Classification.StateSecret() {
		// Only a notice: a failure to read the text states must not hide
		// the document.
		if c, err := docsearch.ContentOf(r.Context(), p.index, doc.ID); err == nil {
			d.ContentNotice = c.Notice
		}
	}
	d.Timeline, err = p.timeline(r, a, doc)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	res := doc.Resource()
	d.CanDirect = p.tasks != nil && doc.Direction == documents.Incoming && access.Permits(r.Context(), a, access.TasksDirect, res)
	d.CanReply = doc.Direction == documents.Incoming && access.Permits(r.Context(), a, access.DocumentsDraftCreate, access.Resource{Type: "document", AgencyID: doc.AgencyID})
	if p.remote != nil && doc.Direction == documents.Incoming {
		if d.From, err = p.remote.RegisteredFrom(r.Context(), a, doc.ID); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		d.CanAnswerTakeBack = d.From != nil && d.From.TakeBack == docex.TakeBackAsked &&
			access.Permits(r.Context(), a, access.DocumentsDeliveryReceive, access.Resource{Type: "document", AgencyID: d.From.ToAgency})
	}
	if p.remote != nil && doc.Outgoing != nil && len(doc.Outgoing.RemoteRecipients) > 0 {
		if d.Remote, err = p.remote.Sent(r.Context(), a, doc.ID); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		for _, t := range d.Remote {
			if t.State == docex.SentSent {
				d.CanRevoke = access.Permits(r.Context(), a, access.DocumentsOutgoingIssue, res)
			}
			if t.CanTakeBack() {
				d.CanTakeBack = access.Permits(r.Context(), a, access.DocumentsOutgoingIssue, res)
			}
		}
	}
	p.rd.render(w, r, http.StatusOK, "office_document", "doc.title", d)
}

// revoke revokes an issued document sent to peer nodes, with a reason.
func (p *Office) revoke(w http.ResponseWriter, r *http.Request) {
	p.remoteStep(w, r, "revoked", func(a *actor.Actor, id int64) error {
		return p.remote.Revoke(r.Context(), a, id, r.PostFormValue("reason"))
	})
}

// timeline merges the document's events (drafting, signing, issue,
// registration) with the direction and tasks on it. A document written
// before events were kept shows its registration from its metadata.
func (p *Office) timeline(r *http.Request, a *actor.Actor, doc *documents.Document) ([]timelineItem, error) {
	evs, err := p.docs.Timeline(r.Context(), a, doc.ID)
	if err != nil {
		return nil, err
	}
	var out []timelineItem
	for _, e := range evs {
		out = append(out, timelineItem{At: e.At, Actor: e.ActorName, Label: e.Label(), Comment: e.Comment})
	}
	if len(out) == 0 {
		label := documents.EventLabel(documents.EventRegistered)
		if doc.Direction == documents.Outgoing {
			label = documents.EventLabel(documents.EventIssued)
		}
		out = append(out, timelineItem{At: doc.ReceivedAt, Label: label})
	}
	if p.tasks != nil {
		tev, err := p.tasks.Timeline(r.Context(), a, doc.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range tev {
			it := timelineItem{At: e.At, Actor: e.Actor, Label: e.Label(), Text: e.Text}
			if !e.Deadline.IsZero() {
				it.Comment = "Hạn xử lý: " + e.Deadline.VN()
			}
			if e.Kind == tasks.EventReported && e.Progress > 0 {
				it.Comment = strconv.Itoa(e.Progress) + "%"
			}
			out = append(out, it)
		}
	}
	slices.SortStableFunc(out, func(x, y timelineItem) int { return x.At.Compare(y.At) })
	for i := range out {
		out[i].When = locale.FormatDateTime(out[i].At)
	}
	return out, nil
}

// file sends attachment n of a document to a reader allowed to read it;
// restricted files are decrypted by blob on the way.
func (p *Office) file(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	n, err2 := strconv.Atoi(r.PathValue("n"))
	if err1 != nil || err2 != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy tệp"))
		return
	}
	doc, err := p.docs.Get(r.Context(), a, id)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if n < 1 || n > len(doc.Attachments) {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Văn bản không có tệp số %d", n))
		return
	}
	att := doc.Attachments[n-1]
	rc, up, err := p.blob.Open(r.Context(), att.UploadID)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", up.MediaType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(att.Name))
	w.Header().Set("Content-Length", strconv.FormatInt(up.Size, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := io.Copy(w, rc); err != nil {
		httpx.LogError(r, http.StatusInternalServerError, err)
	}
}
