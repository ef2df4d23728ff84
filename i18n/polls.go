package i18n

func init() { add(pollMessages) }

// pollMessages: quick polls (handlers/polls.go).
var pollMessages = map[string]Msg{
	"cmd.poll": {VI: "Thăm dò nhanh: câu hỏi | lựa chọn | lựa chọn…", EN: "Quick poll: question | option | option…"},

	"poll.usage": {
		VI: "Cách dùng: <code>/thamdo Câu hỏi | Lựa chọn 1 | Lựa chọn 2</code>\nNhiều lựa chọn: <code>/thamdo nhieu …</code>; tự kết thúc sau 2 giờ: <code>/thamdo 2h …</code>",
		EN: "Usage: <code>/poll Question | Option 1 | Option 2</code>\nSeveral choices: <code>/poll multi …</code>; ends after 2 hours: <code>/poll 2h …</code>",
	},
	"poll.ask": {
		VI: "Nhập câu hỏi ở dòng đầu và mỗi lựa chọn một dòng (trả lời tin nhắn này). Thêm <code>nhieu</code> ở đầu để chọn được nhiều, <code>2h</code> để tự kết thúc sau 2 giờ.",
		EN: "Type the question on the first line and one option per line (reply to this message). Start with <code>multi</code> to allow several choices, <code>2h</code> to end after 2 hours.",
	},
	"poll.ask_placeholder": {VI: "Câu hỏi, rồi mỗi lựa chọn một dòng", EN: "Question, then one option per line"},
	"poll.too_few":         {VI: "Cần ít nhất 2 lựa chọn, cách nhau bằng dấu |. Ví dụ: <code>/thamdo Họp ngày nào? | Thứ Ba | Thứ Năm</code>", EN: "At least 2 options are needed, separated by |. Example: <code>/poll Meeting day? | Tuesday | Thursday</code>"},
	"poll.too_many":        {VI: "Tối đa {max} lựa chọn.", EN: "At most {max} options."},
	"poll.duplicate":       {VI: "Có hai lựa chọn giống nhau; mỗi lựa chọn phải khác nhau.", EN: "Two options are the same; each option must differ."},
	"poll.option_long":     {VI: "Mỗi lựa chọn tối đa {max} ký tự.", EN: "Each option has at most {max} characters."},
	"poll.question_long":   {VI: "Câu hỏi tối đa {max} ký tự.", EN: "The question has at most {max} characters."},
	"poll.bad_duration":    {VI: "Thời hạn phải từ 1 phút đến 92 ngày, ví dụ <code>30p</code>, <code>2h</code>, <code>3 ngày</code>.", EN: "The duration must be between 1 minute and 92 days, e.g. <code>30m</code>, <code>2h</code>, <code>3d</code>."},

	"poll.title":        {VI: "📊 <b>{question}</b>", EN: "📊 <b>{question}</b>"},
	"poll.single":       {VI: "Chọn một", EN: "One choice"},
	"poll.multi":        {VI: "Chọn nhiều", EN: "Several choices"},
	"poll.by":           {VI: "do {name} tạo", EN: "by {name}"},
	"poll.until":        {VI: "kết thúc lúc {when}", EN: "ends at {when}"},
	"poll.voters":       {VI: "👥 {n} người đã bình chọn", EN: "👥 {n} people voted"},
	"poll.closed":       {VI: "🔒 Đã kết thúc.", EN: "🔒 Closed."},
	"poll.close_button": {VI: "🔒 Kết thúc thăm dò", EN: "🔒 Close the poll"},

	"poll.chosen":          {VI: "✅ Bạn chọn: {list}", EN: "✅ Your choice: {list}"},
	"poll.withdrawn":       {VI: "Đã bỏ lựa chọn của bạn.", EN: "Your choice was withdrawn."},
	"poll.recorded":        {VI: "✅ Đã ghi nhận.", EN: "✅ Recorded."},
	"poll.closed_press":    {VI: "Cuộc thăm dò này đã kết thúc.", EN: "This poll is closed."},
	"poll.close_forbidden": {VI: "Chỉ người tạo hoặc quản trị viên mới kết thúc được cuộc thăm dò.", EN: "Only the poll's author or a manager can close it."},
	"poll.closed_done":     {VI: "Đã kết thúc thăm dò.", EN: "The poll is closed."},
	"poll.result": {
		VI: "📊 Thăm dò “{question}” đã kết thúc: {list} ({n} người tham gia).",
		EN: "📊 The poll “{question}” is closed: {list} ({n} people voted).",
	},

	"audit.poll.open":  {VI: "mở thăm dò “{question}”", EN: "poll “{question}” opened"},
	"audit.poll.close": {VI: "kết thúc thăm dò số {poll} ({voters} người tham gia)", EN: "poll {poll} closed ({voters} people voted)"},
}
