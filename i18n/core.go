package i18n

func init() { add(coreMessages) }

var coreMessages = map[string]Msg{
	// Errors shared by every feature.
	"err.unavailable": {
		VI: "⚠️ Bot tạm thời không lưu được dữ liệu. Vui lòng thử lại sau ít phút.",
		EN: "⚠️ The bot cannot save data right now. Please try again in a few minutes.",
	},
	"err.internal": {
		VI: "⚠️ Đã có lỗi khi xử lý yêu cầu. Vui lòng thử lại; nếu vẫn lỗi, hãy báo quản trị viên.",
		EN: "⚠️ Something went wrong while handling that. Please try again; if it keeps failing, tell an admin.",
	},
	"err.bad_button": {
		VI: "Nút này không còn hiệu lực. Hãy dùng tin nhắn mới nhất của bot.",
		EN: "This button is no longer valid. Please use the bot's latest message.",
	},
	"prompt.expired": {
		VI: "⌛ Câu hỏi này đã hết hạn (bot chờ câu trả lời trong 24 giờ). Hãy gõ lại lệnh để bắt đầu lại.",
		EN: "⌛ This question has expired (the bot waits 24 hours for an answer). Type the command again to start over.",
	},
	"err.unknown_command_guess": {
		VI: "Bot không biết lệnh /{cmd}. Có phải ý bạn là /{guess}? Gõ /trogiup để xem các lệnh.",
		EN: "I don't know the command /{cmd}. Did you mean /{guess}? Type /help to see the commands.",
	},
	"err.unknown_command": {
		VI: "Bot không biết lệnh /{cmd}. Gõ /trogiup để xem các lệnh.",
		EN: "I don't know the command /{cmd}. Type /help to see the commands.",
	},
	"err.no_bloc": {
		VI: "Nhóm này chưa được thiết lập thành khối thi đua. Quản trị viên nhóm hãy gõ:\n<code>/thietlap Tên khối</code>",
		EN: "This group is not set up as an emulation bloc yet. A group admin should type:\n<code>/setup Bloc name</code>",
	},
	"err.not_manager": {
		VI: "⛔ Chỉ quản trị viên nhóm hoặc thành viên đơn vị Khối trưởng mới dùng được lệnh này.",
		EN: "⛔ Only group admins or members of the chair unit can use this command.",
	},
	"err.not_manager_button": {
		VI: "Chỉ quản trị viên hoặc đơn vị Khối trưởng mới bấm được nút này.",
		EN: "Only admins or the chair unit can use this button.",
	},
	"err.several_blocs": {
		VI: "Bạn thuộc nhiều khối ({list}): hãy dùng lệnh này trong nhóm của khối cần xem.",
		EN: "You belong to several blocs ({list}): use this command in the group of the one you mean.",
	},
	"err.group_only": {
		VI: "Lệnh này dùng trong nhóm của khối thi đua.",
		EN: "Use this command in the bloc's group.",
	},
	"err.too_long": {
		VI: "Nội dung quá dài ({len} ký tự). Tối đa {max} ký tự.",
		EN: "That is too long ({len} characters). The limit is {max}.",
	},
	"err.not_member": {
		VI: "Bạn chưa đại diện đơn vị nào trong khối. Gõ /thamgia để chọn đơn vị của mình.",
		EN: "You don't represent a unit of this bloc yet. Type /join to choose your unit.",
	},
	"err.channel": {
		VI: "Bot không nhận lệnh gửi dưới danh nghĩa kênh. Hãy gửi từ tài khoản cá nhân.",
		EN: "The bot does not take commands sent as a channel. Please send them from your own account.",
	},
	"err.slow_down": {
		VI: "Bạn thao tác quá nhanh. Vui lòng đợi một chút rồi thử lại.",
		EN: "You are going too fast. Please wait a moment and try again.",
	},

	// Help.
	"help.intro": {
		VI: "🤖 <b>Bot Khối thi đua</b> — thư ký, hòm phiếu và lịch nhắc việc của khối.\nBot ghi nhận thành tích, tổ chức bầu Khối trưởng, Khối phó, ký giao ước thi đua, thăm dò ý kiến và nhắc hạn chót.",
		EN: "🤖 <b>Emulation bloc bot</b> — the bloc's clerk, ballot box and calendar.\nIt records achievements, runs the election of the chair and deputy, collects pledge signatures, runs quick polls and reminds before deadlines.",
	},
	"help.commands": {
		VI: "<b>Các lệnh</b>",
		EN: "<b>Commands</b>",
	},
	"help.start_group": {
		VI: "Bắt đầu: quản trị viên gõ <code>/thietlap Tên khối</code>, rồi <code>/themdonvi</code> với mỗi đơn vị một dòng; mỗi người gõ /thamgia để chọn đơn vị của mình.",
		EN: "Getting started: an admin types <code>/setup Bloc name</code>, then <code>/addunit</code> with one unit per line; each person types /join to choose their unit.",
	},
	"help.start_private": {
		VI: "Hãy thêm bot vào nhóm Telegram của khối. Trong chat riêng này, bạn có thể gửi /baocao để báo cáo thành tích cho đơn vị của mình.",
		EN: "Add the bot to your bloc's Telegram group. In this private chat you can send /report to report an achievement for your unit.",
	},

	// Command menu descriptions (short).
	"cmd.help":       {VI: "Hướng dẫn và danh sách lệnh", EN: "What the bot does and its commands"},
	"cmd.setup":      {VI: "Thiết lập nhóm thành khối thi đua", EN: "Make this group a bloc"},
	"cmd.addunit":    {VI: "Thêm đơn vị (mỗi dòng một đơn vị)", EN: "Add units (one per line)"},
	"cmd.units":      {VI: "Danh sách đơn vị và thành viên", EN: "Units and their members"},
	"cmd.join":       {VI: "Đăng ký đại diện một đơn vị", EN: "Ask to represent a unit"},
	"cmd.assign":     {VI: "Gán người (trả lời tin nhắn) vào đơn vị", EN: "Link a person (reply) to a unit"},
	"cmd.leave":      {VI: "Rời đơn vị của mình", EN: "Unlink yourself from your unit"},
	"cmd.renameunit": {VI: "Đổi tên một đơn vị", EN: "Rename a unit"},
	"cmd.removeunit": {VI: "Xoá một đơn vị khỏi khối", EN: "Remove a unit from the bloc"},
	"cmd.unassign":   {VI: "Huỷ phân công một người (trả lời tin nhắn)", EN: "Unlink a person (reply) from their unit"},
	"cmd.lang":       {VI: "Đổi ngôn ngữ (vi/en)", EN: "Change language (vi/en)"},
	"cmd.history":    {VI: "Nhật ký hoạt động gần đây", EN: "Recent recorded events"},
	"cmd.timezone":   {VI: "Đổi múi giờ của khối", EN: "Change the bloc's time zone"},

	// Setup.
	"setup.ask": {
		VI: "Nhập tên khối thi đua (trả lời tin nhắn này):",
		EN: "Type the bloc's name (reply to this message):",
	},
	"setup.ask_placeholder": {VI: "Tên khối thi đua", EN: "Bloc name"},
	"setup.created": {
		VI: "✅ Đã thiết lập khối <b>{name}</b>.\nBước tiếp theo: thêm các đơn vị, mỗi dòng một đơn vị:\n<code>/themdonvi Đơn vị A\nĐơn vị B</code>",
		EN: "✅ The bloc <b>{name}</b> is set up.\nNext, add the units, one per line:\n<code>/addunit Unit A\nUnit B</code>",
	},
	"setup.renamed": {
		VI: "✅ Đã đổi tên khối từ <b>{old}</b> thành <b>{name}</b>.",
		EN: "✅ The bloc was renamed from <b>{old}</b> to <b>{name}</b>.",
	},
	"setup.private": {
		VI: "Hãy thêm bot vào nhóm của khối và gõ /thietlap trong nhóm đó.",
		EN: "Add the bot to the bloc's group and type /setup there.",
	},
	"err.name_empty": {VI: "Tên không được để trống.", EN: "The name cannot be empty."},
	"err.name_long": {
		VI: "Tên quá dài (tối đa {max} ký tự).",
		EN: "The name is too long (at most {max} characters).",
	},

	// Units.
	"addunit.ask": {
		VI: "Nhập tên các đơn vị, mỗi dòng một đơn vị (trả lời tin nhắn này):",
		EN: "Type the unit names, one per line (reply to this message):",
	},
	"addunit.ask_placeholder": {VI: "Mỗi dòng một đơn vị", EN: "One unit per line"},
	"addunit.added": {
		VI: "✅ Đã thêm {n} đơn vị:\n{list}",
		EN: "✅ Added {n} unit(s):\n{list}",
	},
	"addunit.none_added": {VI: "Không có đơn vị mới nào được thêm.", EN: "No new unit was added."},
	"addunit.dups": {
		VI: "Đã có sẵn (bỏ qua): {list}",
		EN: "Already there (skipped): {list}",
	},
	"addunit.next": {
		VI: "Mỗi người trong nhóm gõ /thamgia để chọn đơn vị mình đại diện.",
		EN: "Everyone in the group can now type /join to choose the unit they represent.",
	},
	"addunit.too_many": {
		VI: "Khối có tối đa {max} đơn vị.",
		EN: "A bloc has at most {max} units.",
	},
	"units.title":    {VI: "🏛 <b>{name}</b> — {n} đơn vị", EN: "🏛 <b>{name}</b> — {n} units"},
	"units.none":     {VI: "Khối chưa có đơn vị nào. Quản trị viên dùng /themdonvi để thêm.", EN: "The bloc has no units yet. An admin adds them with /addunit."},
	"units.chair":    {VI: "Khối trưởng", EN: "Chair"},
	"units.deputy":   {VI: "Khối phó", EN: "Deputy"},
	"units.nobody":   {VI: "chưa có người đại diện", EN: "no representative yet"},
	"units.leaders":  {VI: "Năm {year}: Khối trưởng {chair}; Khối phó {deputy}", EN: "{year}: chair {chair}; deputy {deputy}"},
	"units.unset":    {VI: "chưa bầu", EN: "not elected"},
	"units.pending":  {VI: "⏳ {n} yêu cầu tham gia đang chờ duyệt.", EN: "⏳ {n} join request(s) waiting for approval."},
	"units.unlinked": {VI: "Chưa gắn đơn vị: {list}", EN: "Not linked to a unit: {list}"},

	// Membership.
	"join.choose": {
		VI: "Bạn đại diện cho đơn vị nào? Chọn bên dưới:",
		EN: "Which unit do you represent? Choose below:",
	},
	"join.choose_among": {
		VI: "Có nhiều đơn vị khớp với “{q}”. Chọn đơn vị của bạn:",
		EN: "Several units match “{q}”. Choose yours:",
	},
	"join.unknown_unit": {
		VI: "Không tìm thấy đơn vị “{q}”. Gõ /donvi để xem danh sách, hoặc /thamgia để chọn bằng nút.",
		EN: "There is no unit “{q}”. Type /units to see them, or /join to choose with buttons.",
	},
	"join.already": {
		VI: "Bạn đã đại diện cho <b>{unit}</b>. Mỗi người chỉ thuộc một đơn vị; gõ /roikhoi nếu muốn đổi.",
		EN: "You already represent <b>{unit}</b>. A person belongs to one unit; type /leave first to change.",
	},
	"join.requested": {
		VI: "🙋 <b>{person}</b> xin đại diện cho <b>{unit}</b>.\nQuản trị viên hoặc đơn vị Khối trưởng hãy duyệt:",
		EN: "🙋 <b>{person}</b> asks to represent <b>{unit}</b>.\nAn admin or the chair unit, please decide:",
	},
	"join.approve":  {VI: "✅ Đồng ý", EN: "✅ Approve"},
	"join.reject":   {VI: "❌ Từ chối", EN: "❌ Reject"},
	"join.approved": {VI: "✅ <b>{person}</b> đã được xác nhận đại diện cho <b>{unit}</b> (duyệt bởi {by}).", EN: "✅ <b>{person}</b> now represents <b>{unit}</b> (approved by {by})."},
	"join.rejected": {VI: "❌ Yêu cầu của <b>{person}</b> tham gia <b>{unit}</b> đã bị từ chối (bởi {by}).", EN: "❌ <b>{person}</b>'s request to join <b>{unit}</b> was rejected (by {by})."},
	"join.done":     {VI: "Đã xử lý.", EN: "Done."},
	"join.gone":     {VI: "Yêu cầu này đã được xử lý trước đó.", EN: "This request was already handled."},
	"join.linked":   {VI: "✅ <b>{person}</b> đại diện cho <b>{unit}</b>.", EN: "✅ <b>{person}</b> represents <b>{unit}</b>."},
	"join.sent":     {VI: "Đã gửi yêu cầu, chờ duyệt.", EN: "Request sent; waiting for approval."},
	"join.no_units": {VI: "Khối chưa có đơn vị nào để tham gia.", EN: "The bloc has no units to join yet."},
	"assign.usage": {
		VI: "Cách dùng: trả lời tin nhắn của người cần gán và gõ <code>/phancong Tên đơn vị</code> hoặc số thứ tự của đơn vị trong /donvi, ví dụ <code>/phancong 3</code>.",
		EN: "Usage: reply to the person's message and type <code>/assign Unit name</code>, or the unit's number in /units, e.g. <code>/assign 3</code>.",
	},
	"assign.bot": {VI: "Không thể gán bot hoặc kênh vào đơn vị.", EN: "A bot or a channel cannot be linked to a unit."},
	"assign.moved": {
		VI: "✅ <b>{person}</b> chuyển từ <b>{from}</b> sang đại diện <b>{unit}</b>.",
		EN: "✅ <b>{person}</b> moved from <b>{from}</b> to represent <b>{unit}</b>.",
	},
	"assign.same": {VI: "<b>{person}</b> đã đại diện cho <b>{unit}</b> từ trước.", EN: "<b>{person}</b> already represents <b>{unit}</b>."},
	"leave.done":  {VI: "👋 <b>{person}</b> không còn đại diện cho <b>{unit}</b>.", EN: "👋 <b>{person}</b> no longer represents <b>{unit}</b>."},
	"leave.none":  {VI: "Bạn chưa đại diện đơn vị nào.", EN: "You don't represent any unit."},

	// Managing units after setup.
	"unit.ambiguous": {
		VI: "Có nhiều đơn vị khớp với “{q}”: {list}. Hãy gõ tên đầy đủ hơn.",
		EN: "Several units match “{q}”: {list}. Type more of the name.",
	},
	"unit.rename_usage": {
		VI: "Cách dùng: <code>/doitendonvi Tên hiện tại = Tên mới</code>, ví dụ <code>/doitendonvi Cục Thuế = Thuế tỉnh Tây Ninh</code>.",
		EN: "Usage: <code>/renameunit Current name = New name</code>, e.g. <code>/renameunit Cục Thuế = Thuế tỉnh Tây Ninh</code>.",
	},
	"unit.rename_taken": {
		VI: "Đã có đơn vị tên “{name}” (không phân biệt hoa thường, dấu). Hãy chọn tên khác.",
		EN: "A unit named “{name}” exists already (ignoring case and accents). Choose another name.",
	},
	"unit.renamed": {
		VI: "✏️ Đã đổi tên đơn vị <b>{old}</b> thành <b>{new}</b>. Các cuộc bầu đang mở vẫn ghi tên cũ.",
		EN: "✏️ Unit <b>{old}</b> is now <b>{new}</b>. Ballots already open keep the old name.",
	},
	"unit.remove_usage": {
		VI: "Cách dùng: <code>/xoadonvi Tên đơn vị</code>. Bot sẽ hỏi lại trước khi xoá.",
		EN: "Usage: <code>/removeunit Unit name</code>. The bot asks before it removes anything.",
	},
	"unit.remove_confirm": {
		VI: "Xoá đơn vị <b>{unit}</b> khỏi khối?\n• Đơn vị không còn được bầu, bỏ phiếu hay ký giao ước; {n} người đại diện sẽ thôi đại diện.\n• Thành tích, chữ ký và chức danh các năm trước vẫn giữ tên đơn vị.\n• Việc xoá được ghi vào nhật ký và không hoàn tác được (có thể thêm lại bằng /themdonvi).",
		EN: "Remove the unit <b>{unit}</b> from the bloc?\n• It will no longer be a candidate, vote or sign the pledge; its {n} representative(s) will be unlinked.\n• Its reports, signatures and past roles keep its name.\n• The removal is recorded in the history and cannot be undone (the unit can be added again with /addunit).",
	},
	"unit.remove_yes":    {VI: "🗑 Xoá đơn vị", EN: "🗑 Remove the unit"},
	"unit.remove_no":     {VI: "Giữ lại", EN: "Keep it"},
	"unit.remove_kept":   {VI: "Đã giữ lại đơn vị.", EN: "The unit was kept."},
	"unit.remove_gone":   {VI: "Đơn vị này không còn trong khối.", EN: "This unit is no longer in the bloc."},
	"unit.remove_ballot": {VI: "Đang có cuộc bầu mở: hãy đóng phiếu (/dongphieu) trước khi xoá đơn vị.", EN: "A ballot is open: close it (/closevote) before removing a unit."},
	"unit.remove_role": {
		VI: "{unit} đang là Khối trưởng hoặc Khối phó năm nay (hoặc năm sau), nên không thể xoá. Hãy bầu đơn vị khác thay trước.",
		EN: "{unit} is this year's (or next year's) chair or deputy, so it cannot be removed. Elect another unit first.",
	},
	"unit.removed_answer": {VI: "Đã xoá đơn vị.", EN: "Unit removed."},
	"unit.removed": {
		VI: "🗑 Đã xoá đơn vị <b>{unit}</b> ({n} người thôi đại diện). Khối còn {left} đơn vị.",
		EN: "🗑 The unit <b>{unit}</b> was removed ({n} representative(s) unlinked). The bloc has {left} units.",
	},
	"unassign.usage": {
		VI: "Cách dùng: trả lời tin nhắn của người cần huỷ phân công và gõ <code>/huyphancong</code>.",
		EN: "Usage: reply to the person's message and type <code>/unassign</code>.",
	},
	"unassign.none": {VI: "{person} chưa đại diện đơn vị nào.", EN: "{person} does not represent any unit."},
	"unassign.done": {
		VI: "👋 <b>{person}</b> không còn đại diện cho <b>{unit}</b> (quản trị viên huỷ phân công).",
		EN: "👋 <b>{person}</b> no longer represents <b>{unit}</b> (unassigned by a manager).",
	},
	"left.unlinked": {
		VI: "👋 <b>{person}</b> đã rời nhóm nên không còn đại diện cho <b>{unit}</b>.",
		EN: "👋 <b>{person}</b> left the group and no longer represents <b>{unit}</b>.",
	},
	"left.removed": {
		VI: "👋 <b>{person}</b> đã bị mời khỏi nhóm nên không còn đại diện cho <b>{unit}</b>.",
		EN: "👋 <b>{person}</b> was removed from the group and no longer represents <b>{unit}</b>.",
	},
	"left.unrepresented": {
		VI: "<b>{unit}</b> hiện không còn ai đại diện trong nhóm: người của đơn vị gõ <code>/thamgia</code> để nhận lại.",
		EN: "<b>{unit}</b> has no representative in the group now: someone from it can type <code>/join</code>.",
	},

	// Language.
	"lang.choose": {VI: "Chọn ngôn ngữ của nhóm:", EN: "Choose the group's language:"},
	"lang.set":    {VI: "✅ Ngôn ngữ của nhóm: Tiếng Việt.", EN: "✅ The group's language is now English."},
	"lang.bad":    {VI: "Ngôn ngữ hỗ trợ: <code>vi</code> hoặc <code>en</code>. Ví dụ: <code>/ngonngu en</code>", EN: "Supported languages: <code>vi</code> or <code>en</code>. Example: <code>/lang vi</code>"},

	// Time zone.
	"tz.set":     {VI: "✅ Múi giờ của khối: <b>{tz}</b>.", EN: "✅ The bloc's time zone is now <b>{tz}</b>."},
	"tz.bad":     {VI: "Múi giờ không hợp lệ. Ví dụ: <code>/muigio Asia/Ho_Chi_Minh</code>", EN: "Unknown time zone. Example: <code>/timezone Asia/Ho_Chi_Minh</code>"},
	"tz.current": {VI: "Múi giờ hiện tại: <b>{tz}</b>. Đổi bằng <code>/muigio Asia/Ho_Chi_Minh</code>.", EN: "Current time zone: <b>{tz}</b>. Change it with <code>/timezone Asia/Ho_Chi_Minh</code>."},

	// History.
	"history.title":    {VI: "📜 <b>Nhật ký gần đây</b> (mã chuỗi: <code>{head}</code>)", EN: "📜 <b>Recent events</b> (chain head: <code>{head}</code>)"},
	"history.empty":    {VI: "Chưa có sự kiện nào được ghi nhận.", EN: "Nothing has been recorded yet."},
	"history.verified": {VI: "✅ Chuỗi nhật ký toàn vẹn ({n} mục).", EN: "✅ The audit chain is intact ({n} entries)."},
	"history.broken": {
		VI: "❗ Chuỗi nhật ký bị hỏng ở mục {n}: mục này, hoặc một mục trước nó, đã bị sửa, xoá hoặc chèn thêm.",
		EN: "❗ The audit chain is broken at entry {n}: it, or an entry before it, was changed, removed or inserted.",
	},
	"history.broken_head": {
		VI: "❗ Chuỗi nhật ký bị hỏng: {n} mục của chuỗi khớp nhau nhưng không dẫn tới mã cuối khối đã lưu — các mục sau đó đã bị xoá, hoặc mã cuối bị sửa.",
		EN: "❗ The audit chain is broken: its {n} entries hold together but do not lead to the head the bloc keeps — entries after them were removed, or the head was changed.",
	},
	"migrated": {
		VI: "ℹ️ Nhóm đã được nâng cấp thành siêu nhóm; toàn bộ dữ liệu của khối đã được chuyển sang.",
		EN: "ℹ️ The group became a supergroup; all of the bloc's data moved with it.",
	},
}
