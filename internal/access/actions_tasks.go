package access

// The actions of direction (chỉ đạo) and direction tasks (nhiệm vụ). A
// task belongs to the agency whose leader gave it (Resource.AgencyID) and
// carries the classification of its document; a restricted task names its
// readers: the document's readers and the task's assignees. Assignees, who
// may belong to another agency, report on a task as its "owner"
// (Resource.OwnerID is the reporting assignee's account).
const (
	// TasksDirect gives a leader's direction on a document: main handler,
	// co-handlers, for-information, deadline and comment.
	TasksDirect Action = "tasks.document.direct"
	// TasksCreate gives a task from a document or a meeting.
	TasksCreate Action = "tasks.task.create"
	// TasksRead shows a task, its reports and its timeline.
	TasksRead Action = "tasks.task.read"
	// TasksReport records an assignee's progress report or completion.
	TasksReport Action = "tasks.task.report"
	// TasksManage reopens a task or moves its deadline.
	TasksManage Action = "tasks.task.manage"
	// TasksBoard shows the overdue tasks and per-unit on-time rates.
	TasksBoard Action = "tasks.board.read"
)

func init() {
	register(
		ActionDef{Name: TasksDirect, Summary: "Chỉ đạo xử lý văn bản", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: TasksCreate, Summary: "Giao nhiệm vụ", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: TasksRead, Summary: "Xem nhiệm vụ",
			Roles: map[Role]Scope{Leader: ScopeAgency, Clerk: ScopeAgency, Specialist: ScopeAgency}},
		ActionDef{Name: TasksReport, Summary: "Báo cáo tiến độ nhiệm vụ được giao", Write: true,
			Roles: map[Role]Scope{Leader: ScopeOwn, Clerk: ScopeOwn, Specialist: ScopeOwn, OneStopOfficer: ScopeOwn}},
		ActionDef{Name: TasksManage, Summary: "Gia hạn, mở lại nhiệm vụ", Write: true,
			Roles: map[Role]Scope{Leader: ScopeAgency}},
		ActionDef{Name: TasksBoard, Summary: "Xem bảng theo dõi nhiệm vụ",
			Roles: map[Role]Scope{Leader: ScopeAgency}},
	)
}
