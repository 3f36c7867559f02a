package onestop

import (
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Status is a dossier's status: the national codes 1–10 used when dossiers
// are synchronised with the National Public Service Portal (DongBoHoSoMC,
// TrangThaiHoSo).
type Status int

// The ten national status codes.
const (
	StatusNew         Status = 1  // Mới đăng ký: submitted online, not yet received
	StatusAccepted    Status = 2  // Được tiếp nhận: received by the one-stop desk
	StatusRefused     Status = 3  // Không được tiếp nhận: refused at reception
	StatusProcessing  Status = 4  // Đang xử lý
	StatusSupplement  Status = 5  // Yêu cầu bổ sung giấy tờ
	StatusFinancial   Status = 6  // Yêu cầu thực hiện nghĩa vụ tài chính
	StatusWithdrawn   Status = 7  // Công dân yêu cầu rút hồ sơ
	StatusStopped     Status = 8  // Dừng xử lý
	StatusResultReady Status = 9  // Đã xử lý xong
	StatusReturned    Status = 10 // Đã trả kết quả
	minStatus                = StatusNew
	maxStatus                = StatusReturned
)

var statusNames = [...]string{"", "Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý",
	"Yêu cầu bổ sung giấy tờ", "Yêu cầu thực hiện nghĩa vụ tài chính", "Công dân yêu cầu rút hồ sơ",
	"Dừng xử lý", "Đã xử lý xong", "Đã trả kết quả"}

// Statuses lists the ten statuses in code order.
func Statuses() []Status {
	out := make([]Status, 0, 10)
	for s := minStatus; s <= maxStatus; s++ {
		out = append(out, s)
	}
	return out
}

// Valid reports whether s is one of the ten national codes.
func (s Status) Valid() bool { return s >= minStatus && s <= maxStatus }

// Name returns the Vietnamese name of s ("Mới đăng ký" … "Đã trả kết quả").
func (s Status) Name() string {
	if !s.Valid() {
		return "Không xác định"
	}
	return statusNames[s]
}

// String returns the code as text ("1" … "10").
func (s Status) String() string { return strconv.Itoa(int(s)) }

// Final reports whether s ends the dossier's processing (nothing but a
// rating follows): refused, withdrawn, stopped or returned.
func (s Status) Final() bool {
	return s == StatusRefused || s == StatusWithdrawn || s == StatusStopped || s == StatusReturned
}

// ClockRunning reports whether the legal clock runs in s: received and not
// yet decided, and not waiting for the applicant's supplement.
func (s Status) ClockRunning() bool {
	return s == StatusAccepted || s == StatusProcessing || s == StatusFinancial
}

// ParseStatus parses a code "1" … "10".
func ParseStatus(v string) (Status, error) {
	n, err := strconv.Atoi(v)
	if err != nil || !Status(n).Valid() {
		return 0, apperr.FieldError("status", "Trạng thái hồ sơ %q không hợp lệ: dùng mã từ 1 đến 10", clipRunes(v, 10))
	}
	return Status(n), nil
}

// Channel is how a dossier was submitted (HinhThuc).
type Channel int

// The three channels (Decree 118/2025/NĐ-CP Art. 15).
const (
	ChannelDirect Channel = 1 // trực tiếp
	ChannelOnline Channel = 2 // trực tuyến
	ChannelPostal Channel = 3 // bưu chính công ích
)

// Valid reports whether c is one of the three channels.
func (c Channel) Valid() bool { return c >= ChannelDirect && c <= ChannelPostal }

// Name returns the Vietnamese name of c.
func (c Channel) Name() string {
	switch c {
	case ChannelDirect:
		return "Trực tiếp"
	case ChannelOnline:
		return "Trực tuyến"
	case ChannelPostal:
		return "Bưu chính công ích"
	}
	return "Không xác định"
}

// Action is a change of a dossier's status; Transition says which are legal.
type Action string

// The actions of the state machine.
const (
	ActAccept        Action = "accept"         // the desk receives it (1 → 2, or 4 at once when no desk step)
	ActRefuse        Action = "refuse"         // the desk refuses it (1 → 3)
	ActRequestSupply Action = "request_supply" // asks for a supplement, once (1, 2, 4 → 5)
	ActSupply        Action = "supply"         // the applicant completes it (5 → back)
	ActHandOver      Action = "hand_over"      // a step is completed and the next starts (2, 4 → 4)
	ActRequestFee    Action = "request_fee"    // waits for fees or taxes (4 → 6)
	ActFeePaid       Action = "fee_paid"       // fees paid (6 → 4)
	ActWithdraw      Action = "withdraw"       // the applicant withdraws it (1, 2, 4, 5, 6 → 7)
	ActStop          Action = "stop"           // the leader stops it (2, 4, 5, 6 → 8)
	ActApprove       Action = "approve"        // the leader approves the result (4 → 9)
	ActDecideRefuse  Action = "decide_refuse"  // the leader refuses (4 → 8)
	ActReturn        Action = "return"         // the desk returns the result (9 → 10)
)

// Actions lists every action of the state machine.
func Actions() []Action {
	return []Action{ActAccept, ActRefuse, ActRequestSupply, ActSupply, ActHandOver, ActRequestFee, ActFeePaid,
		ActWithdraw, ActStop, ActApprove, ActDecideRefuse, ActReturn}
}

var actionNames = map[Action]string{
	ActAccept: "tiếp nhận", ActRefuse: "từ chối tiếp nhận", ActRequestSupply: "yêu cầu bổ sung",
	ActSupply: "bổ sung hồ sơ", ActHandOver: "chuyển bước xử lý", ActRequestFee: "yêu cầu thực hiện nghĩa vụ tài chính",
	ActFeePaid: "xác nhận đã thực hiện nghĩa vụ tài chính", ActWithdraw: "rút hồ sơ", ActStop: "dừng xử lý",
	ActApprove: "phê duyệt kết quả", ActDecideRefuse: "từ chối giải quyết", ActReturn: "trả kết quả",
}

// Name returns the Vietnamese name of the action.
func (a Action) Name() string { return actionNames[a] }

// transitions is the table of legal transitions (one-stop statuses of
// Decree 118/2025/NĐ-CP as the national portal codes them): from a status,
// an action leads to the status given. ActSupply's target is resolved by
// the dossier (back to where the request was made); StatusSupplement is its
// placeholder here. ActAccept leads to 2, or to 4 when the procedure has no
// desk step (the service decides).
var transitions = map[Status]map[Action]Status{
	StatusNew: {ActAccept: StatusAccepted, ActRefuse: StatusRefused, ActRequestSupply: StatusSupplement,
		ActWithdraw: StatusWithdrawn},
	StatusAccepted: {ActRequestSupply: StatusSupplement, ActHandOver: StatusProcessing, ActWithdraw: StatusWithdrawn,
		ActStop: StatusStopped},
	StatusProcessing: {ActRequestSupply: StatusSupplement, ActHandOver: StatusProcessing, ActRequestFee: StatusFinancial,
		ActWithdraw: StatusWithdrawn, ActStop: StatusStopped, ActApprove: StatusResultReady, ActDecideRefuse: StatusStopped},
	StatusSupplement: {ActSupply: StatusSupplement, ActWithdraw: StatusWithdrawn, ActStop: StatusStopped,
		ActRefuse: StatusRefused},
	StatusFinancial:   {ActFeePaid: StatusProcessing, ActWithdraw: StatusWithdrawn, ActStop: StatusStopped},
	StatusResultReady: {ActReturn: StatusReturned},
}

// Transition returns the status act leads to from from, or ECONFLICT with
// a Vietnamese message when the national status rules do not allow it.
func Transition(from Status, act Action) (Status, error) {
	if to, ok := transitions[from][act]; ok {
		return to, nil
	}
	name := act.Name()
	if name == "" {
		name = string(act)
	}
	return 0, apperr.New(apperr.Conflict, "Không thể %s hồ sơ đang ở trạng thái %q", name, from.Name())
}

// Allowed lists the actions legal from s.
func Allowed(s Status) []Action {
	var out []Action
	for _, a := range Actions() {
		if _, ok := transitions[s][a]; ok {
			out = append(out, a)
		}
	}
	return out
}
