package i18n

func init() { add(deadlineMessages) }

// deadlineMessages are the messages of deadlines, one-off reminders and recurring reminders.
var deadlineMessages = map[string]Msg{
	"cmd.deadline":  {VI: "Đặt hạn chót: dd/mm[/yyyy] [HH:MM] nội dung", EN: "Set a deadline: dd/mm[/yyyy] [HH:MM] text"},
	"cmd.deadlines": {VI: "Các hạn chót và lời nhắc sắp tới", EN: "Upcoming deadlines and reminders"},
	"cmd.remind":    {VI: "Đặt lời nhắc: dd/mm[/yyyy] HH:MM nội dung", EN: "Set a one-off reminder: dd/mm[/yyyy] HH:MM text"},
	"cmd.cancel":    {VI: "Hủy hạn chót hoặc lời nhắc theo số", EN: "Cancel a deadline or reminder by its number"},
	"cmd.reminders": {VI: "Lịch nhắc trước hạn chót của khối", EN: "When deadlines remind, for this bloc"},

	// /reminders: the bloc's reminder plan.
	"rp.days":  {VI: "{list} ngày trước, lúc {at}", EN: "{list} days before, at {at}"},
	"rp.hours": {VI: "{list} giờ trước", EN: "{list} hours before"},
	"rp.off":   {VI: "không nhắc trước hạn (chỉ báo khi đến hạn)", EN: "no reminders before a deadline (only the notice when it is due)"},
	"rp.current_default": {
		VI: "🔔 Lịch nhắc trước hạn chót của khối (mặc định): <b>{plan}</b>.",
		EN: "🔔 This bloc's deadlines remind (the default): <b>{plan}</b>.",
	},
	"rp.current_own": {
		VI: "🔔 Lịch nhắc trước hạn chót của khối: <b>{plan}</b>.",
		EN: "🔔 This bloc's deadlines remind: <b>{plan}</b>.",
	},
	"rp.usage": {
		VI: "Quản trị viên đổi lịch bằng: <code>/lichnhac 5 2 07:30 3h</code> (số ngày trước, giờ nhắc HH:MM, số giờ trước với h); <code>/lichnhac tat</code> để không nhắc trước; <code>/lichnhac macdinh</code> để về mặc định.",
		EN: "Managers change it with: <code>/reminders 5 2 07:30 3h</code> (days before, the time HH:MM, hours before with h); <code>/reminders off</code> for no reminders before; <code>/reminders default</code> to go back to the default.",
	},
	"rp.bad": {
		VI: "Không đọc được lịch nhắc. Ghi số ngày trước (tối đa {days}), giờ nhắc dạng HH:MM và số giờ trước kèm h (tối đa {hours}); nhiều nhất {max} mốc.",
		EN: "That reminder plan could not be read. Give days before (up to {days}), the time as HH:MM and hours before with h (up to {hours}); at most {max} reminders in all.",
	},
	"rp.set_own": {
		VI: "✅ Từ nay hạn chót của khối nhắc: <b>{plan}</b>. Đã áp dụng cho {n} hạn chót sắp tới.",
		EN: "✅ This bloc's deadlines now remind: <b>{plan}</b>. Applied to {n} upcoming deadlines.",
	},
	"rp.set_default": {
		VI: "✅ Khối dùng lại lịch nhắc mặc định: <b>{plan}</b>. Đã áp dụng cho {n} hạn chót sắp tới.",
		EN: "✅ Back to the default reminders: <b>{plan}</b>. Applied to {n} upcoming deadlines.",
	},

	// Time.
	"dl.at":      {VI: "{time} {weekday} {date}", EN: "{time} {weekday} {date}"},
	"dl.wd0":     {VI: "Chủ nhật", EN: "Sun"},
	"dl.wd1":     {VI: "Thứ Hai", EN: "Mon"},
	"dl.wd2":     {VI: "Thứ Ba", EN: "Tue"},
	"dl.wd3":     {VI: "Thứ Tư", EN: "Wed"},
	"dl.wd4":     {VI: "Thứ Năm", EN: "Thu"},
	"dl.wd5":     {VI: "Thứ Sáu", EN: "Fri"},
	"dl.wd6":     {VI: "Thứ Bảy", EN: "Sat"},
	"dl.left_dh": {VI: "{d} ngày {h} giờ", EN: "{d} d {h} h"},
	"dl.left_d":  {VI: "{d} ngày", EN: "{d} d"},
	"dl.left_hm": {VI: "{h} giờ {m} phút", EN: "{h} h {m} min"},
	"dl.left_h":  {VI: "{h} giờ", EN: "{h} h"},
	"dl.left_m":  {VI: "{m} phút", EN: "{m} min"},

	// /deadline.
	"dl.set": {
		VI: "✅ Đã đặt hạn chót <b>#{id}</b>: {text}\n🗓 Hạn: <b>{at}</b>\n{plan}\nHủy: <code>/huy {id}</code>",
		EN: "✅ Deadline <b>#{id}</b> set: {text}\n🗓 Due: <b>{at}</b>\n{plan}\nCancel: <code>/cancel {id}</code>",
	},
	"dl.plan": {VI: "🔔 Bot sẽ nhắc lúc: {times}.", EN: "🔔 Reminders at: {times}."},
	"dl.plan_none": {
		VI: "🔔 Các mốc nhắc trước hạn đều đã qua; bot sẽ báo khi hết hạn.",
		EN: "🔔 Every reminder time before it has passed; the bot will post when it is due.",
	},
	"dl.plan_skipped": {VI: "(Bỏ qua {n} mốc nhắc đã qua.)", EN: "({n} reminder times already past were skipped.)"},
	"dl.tie_report": {
		VI: "📊 Chỉ nhắc tên các đơn vị chưa báo cáo thành tích {period}: hiện còn {n}/{total} đơn vị.",
		EN: "📊 Only units with no achievement reported for {period} are named: {n} of {total} now.",
	},
	"dl.text_report": {VI: "Báo cáo thành tích {period}", EN: "Report achievements for {period}"},
	"dl.text_pledge": {VI: "Ký giao ước thi đua năm {year}: {title}", EN: "Sign the {year} emulation pledge: {title}"},
	"dl.text_ballot": {VI: "Bỏ phiếu bầu {position} năm {year}", EN: "Vote for the {position} of {year}"},
	"dl.pos_chair":   {VI: "Khối trưởng", EN: "bloc chair"},
	"dl.pos_deputy":  {VI: "Khối phó", EN: "bloc deputy"},
	"dl.ask": {
		VI: "🗓 Hạn chót là ngày nào, việc gì? Trả lời tin nhắn này theo mẫu:\n<code>{example}</code>\nNgày dd/mm hoặc dd/mm/yyyy; giờ HH:MM (không ghi giờ thì là {default}). Hạn nộp báo cáo thành tích của một kỳ: <code>{example_report}</code>",
		EN: "🗓 When is it due, and what? Reply to this message like:\n<code>{example}</code>\nDate dd/mm or dd/mm/yyyy; time HH:MM (without a time: {default}). For a reporting period: <code>{example_report}</code>",
	},
	"dl.ask_placeholder": {VI: "15/06 17:00 Nộp báo cáo", EN: "15/06 17:00 Send the report"},
	"dl.need_text": {
		VI: "Hạn chót cho việc gì? Ghi nội dung sau ngày giờ, ví dụ:\n<code>{example}</code>",
		EN: "What is due? Write it after the date and time, for example:\n<code>{example}</code>",
	},
	"dl.example":        {VI: "/hanchot {date} 17:00 Nộp báo cáo sơ kết", EN: "/deadline {date} 17:00 Send the mid-year report"},
	"dl.example_report": {VI: "/hanchot {date} baocao {period}", EN: "/deadline {date} report {period}"},
	"dl.too_many": {
		VI: "Nhóm đã có {max} hạn chót và lời nhắc đang chờ. Hãy hủy bớt bằng /huy.",
		EN: "This chat already has {max} pending deadlines and reminders. Cancel some with /cancel.",
	},

	// Errors of dates and times (with an example of the right form).
	"dl.err_date_missing": {
		VI: "❓ Bot chưa hiểu ngày «{input}». Ghi ngày trước, dạng dd/mm hoặc dd/mm/yyyy, ví dụ:\n<code>{example}</code>",
		EN: "❓ I could not read a date in “{input}”. Put the date first, as dd/mm or dd/mm/yyyy, for example:\n<code>{example}</code>",
	},
	"dl.err_date_empty": {
		VI: "❓ Thiếu ngày. Ghi ngày dạng dd/mm hoặc dd/mm/yyyy, ví dụ:\n<code>{example}</code>",
		EN: "❓ The date is missing. Write it as dd/mm or dd/mm/yyyy, for example:\n<code>{example}</code>",
	},
	"dl.err_date_invalid": {
		VI: "❌ Không có ngày {input} trên lịch. Kiểm tra lại ngày và tháng (dd/mm hoặc dd/mm/yyyy), ví dụ:\n<code>{example}</code>",
		EN: "❌ There is no such date as {input}. Check the day and month (dd/mm or dd/mm/yyyy), for example:\n<code>{example}</code>",
	},
	"dl.err_time_invalid": {
		VI: "❌ Giờ {input} không hợp lệ. Dùng giờ 24h dạng HH:MM (00:00–23:59), ví dụ:\n<code>{example}</code>",
		EN: "❌ {input} is not a time. Use 24-hour HH:MM (00:00–23:59), for example:\n<code>{example}</code>",
	},
	"dl.err_time_missing": {
		VI: "⏰ Lời nhắc cần có giờ (HH:MM) sau ngày, ví dụ:\n<code>{example}</code>",
		EN: "⏰ A reminder needs a time (HH:MM) after the date, for example:\n<code>{example}</code>",
	},
	"dl.err_past": {
		VI: "⌛ {input} đã qua. Hãy chọn một thời điểm sắp tới, ví dụ:\n<code>{example}</code>",
		EN: "⌛ {input} has already passed. Choose a time ahead, for example:\n<code>{example}</code>",
	},
	"dl.err_far": {
		VI: "📅 Ngày {input} xa quá (tối đa 2 năm tới). Ví dụ:\n<code>{example}</code>",
		EN: "📅 {input} is too far ahead (at most two years). For example:\n<code>{example}</code>",
	},
	"dl.err_period": {
		VI: "❓ Bot chưa hiểu kỳ báo cáo «{input}». Dùng q1…q4, tháng 6, 06/2024 hoặc 2024, ví dụ:\n<code>{example}</code>",
		EN: "❓ I could not read the reporting period “{input}”. Use q1…q4, month 6, 06/2024 or 2024, for example:\n<code>{example}</code>",
	},
	"dl.err_text_long": {
		VI: "Nội dung quá dài. Tối đa {max} ký tự.",
		EN: "The text is too long. The limit is {max} characters.",
	},

	// /remind.
	"rm.set": {
		VI: "⏰ Đã đặt lời nhắc <b>#{id}</b> lúc <b>{at}</b>: {text}\nHủy: <code>/huy {id}</code>",
		EN: "⏰ Reminder <b>#{id}</b> set for <b>{at}</b>: {text}\nCancel: <code>/cancel {id}</code>",
	},
	"rm.ask": {
		VI: "⏰ Nhắc việc gì, lúc nào? Trả lời tin nhắn này theo mẫu:\n<code>{example}</code>",
		EN: "⏰ Remind of what, and when? Reply to this message like:\n<code>{example}</code>",
	},
	"rm.ask_placeholder": {VI: "20/06 08:30 Họp giao ban", EN: "20/06 08:30 Weekly meeting"},
	"rm.need_text": {
		VI: "Nhắc việc gì? Ghi nội dung sau ngày giờ, ví dụ:\n<code>{example}</code>",
		EN: "Remind of what? Write it after the date and time, for example:\n<code>{example}</code>",
	},
	"rm.example": {VI: "/nhac {date} 08:30 Họp giao ban", EN: "/remind {date} 08:30 Weekly meeting"},
	"rm.fire":    {VI: "⏰ <b>Nhắc việc</b>: {text}\n<i>Lời nhắc #{id} do {person} đặt.</i>", EN: "⏰ <b>Reminder</b>: {text}\n<i>Reminder #{id}, set by {person}.</i>"},

	// /deadlines.
	"dl.list_title":  {VI: "🗓 <b>Hạn chót và lời nhắc sắp tới</b>", EN: "🗓 <b>Upcoming deadlines and reminders</b>"},
	"dl.list_empty":  {VI: "Chưa có hạn chót hay lời nhắc nào sắp tới. Đặt hạn chót, ví dụ:\n<code>{example}</code>", EN: "Nothing is due. Set a deadline, for example:\n<code>{example}</code>"},
	"dl.list_item":   {VI: "<b>#{id}</b> · {at}\n    {text}", EN: "<b>#{id}</b> · {at}\n    {text}"},
	"dl.list_remind": {VI: "<b>#{id}</b> · ⏰ {at}\n    {text}", EN: "<b>#{id}</b> · ⏰ {at}\n    {text}"},
	"dl.list_tied":   {VI: "• {at}\n    {text}", EN: "• {at}\n    {text}"},
	"dl.list_owing":  {VI: "    ⏳ Còn {n}/{total} đơn vị chưa xong", EN: "    ⏳ {n} of {total} units still to do it"},
	"dl.list_done":   {VI: "    ✅ Tất cả đơn vị đã xong", EN: "    ✅ Every unit has done it"},
	"dl.list_hint":   {VI: "Hủy: <code>/huy số</code>", EN: "Cancel: <code>/cancel number</code>"},
	"dl.list_bloc":   {VI: "<b>Của khối {bloc}</b> (hủy trong nhóm):", EN: "<b>Of {bloc}</b> (cancelled in the group):"},

	// /cancel.
	"dl.cancel_choose":   {VI: "Chọn hạn chót hoặc lời nhắc cần hủy (hoặc gõ <code>/huy số</code>):", EN: "Choose what to cancel (or type <code>/cancel number</code>):"},
	"dl.cancel_none":     {VI: "Không có hạn chót hay lời nhắc nào đang chờ để hủy.", EN: "There is no pending deadline or reminder to cancel."},
	"dl.cancel_button":   {VI: "❌ #{id} {text}", EN: "❌ #{id} {text}"},
	"dl.cancelled":       {VI: "🗑 Đã hủy {what} <b>#{id}</b> ({at}): {text}", EN: "🗑 Cancelled {what} <b>#{id}</b> ({at}): {text}"},
	"dl.cancelled_short": {VI: "Đã hủy #{id}.", EN: "Cancelled #{id}."},
	"dl.what_deadline":   {VI: "hạn chót", EN: "deadline"},
	"dl.what_remind":     {VI: "lời nhắc", EN: "reminder"},
	"dl.cancel_notfound": {
		VI: "Không có hạn chót hay lời nhắc #{id} nào đang chờ. Xem danh sách: /dshanchot",
		EN: "There is no pending deadline or reminder #{id}. See the list: /deadlines",
	},
	"dl.cancel_forbidden": {
		VI: "⛔ Chỉ quản trị viên nhóm, đơn vị Khối trưởng hoặc người đặt lời nhắc mới hủy được.",
		EN: "⛔ Only group admins, the chair unit or the person who set the reminder can cancel it.",
	},
	"dl.cancel_pledge": {
		VI: "Hạn ký giao ước được đặt bằng /giaouoc. Để bỏ hạn ký: <code>/giaouoc hanchot off</code>",
		EN: "The pledge's sign-by date belongs to /pledge. To remove it: <code>/pledge deadline off</code>",
	},
	"dl.cancel_ballot": {
		VI: "Hạn của cuộc bầu thuộc về cuộc bầu; đóng phiếu ngay bằng /dongphieu.",
		EN: "A ballot's deadline belongs to the ballot; close it now with /closevote.",
	},

	// Reminders as they fire.
	"dl.remind": {
		VI: "🔔 <b>Nhắc hạn chót #{id}</b>: {text}\n🗓 Hạn: <b>{at}</b> (còn {left}).",
		EN: "🔔 <b>Deadline #{id} reminder</b>: {text}\n🗓 Due: <b>{at}</b> ({left} left).",
	},
	"dl.remind_tied": {
		VI: "🔔 <b>Nhắc hạn chót</b>: {text}\n🗓 Hạn: <b>{at}</b> (còn {left}).",
		EN: "🔔 <b>Deadline reminder</b>: {text}\n🗓 Due: <b>{at}</b> ({left} left).",
	},
	"dl.passed": {
		VI: "⌛ <b>Đã đến hạn #{id}</b>: {text} ({at}).",
		EN: "⌛ <b>Deadline #{id} has come</b>: {text} ({at}).",
	},
	"dl.passed_tied": {
		VI: "⌛ <b>Đã đến hạn</b>: {text} ({at}).",
		EN: "⌛ <b>The deadline has come</b>: {text} ({at}).",
	},
	"dl.owe_report": {VI: "Đơn vị chưa báo cáo thành tích {period} ({n}/{total}):", EN: "Units with no achievement reported for {period} ({n} of {total}):"},
	"dl.owe_pledge": {VI: "Đơn vị chưa ký giao ước ({n}/{total}):", EN: "Units that have not signed the pledge ({n} of {total}):"},
	"dl.owe_ballot": {VI: "Đơn vị chưa bỏ phiếu ({n}/{total}):", EN: "Units that have not voted ({n} of {total}):"},
	"dl.done_report": {
		VI: "✅ Cả {total} đơn vị đã báo cáo thành tích {period}.",
		EN: "✅ All {total} units reported achievements for {period}.",
	},
	"dl.nobody":       {VI: "chưa có người đại diện", EN: "nobody linked yet"},
	"dl.report_cta":   {VI: "Báo cáo bằng <code>/baocao nội dung</code>.", EN: "Report with <code>/report text</code>."},
	"dl.pledge_cta":   {VI: "Ký bằng /kyket.", EN: "Sign with /sign."},
	"dl.ballot_cta":   {VI: "Bỏ phiếu bằng các nút của cuộc bầu (/phieubau).", EN: "Vote with the ballot's buttons (/ballot)."},
	"dl.recurring":    {VI: "🔔 {text}", EN: "🔔 {text}"},
	"dl.unit_members": {VI: "• <b>{unit}</b> — {members}", EN: "• <b>{unit}</b> — {members}"},

	// Audit entries.
	"audit.deadline.add":    {VI: "đặt hạn chót #{id}: {text}", EN: "deadline #{id} set: {text}"},
	"audit.deadline.cancel": {VI: "hủy hạn chót #{id}: {text}", EN: "deadline #{id} cancelled: {text}"},
	"audit.deadline.passed": {VI: "đến hạn chót #{id}: {text}", EN: "deadline #{id} came: {text}"},
	"audit.remind.add":      {VI: "đặt lời nhắc #{id}: {text}", EN: "reminder #{id} set: {text}"},
	"audit.remind.cancel":   {VI: "hủy lời nhắc #{id}: {text}", EN: "reminder #{id} cancelled: {text}"},
}
