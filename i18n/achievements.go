package i18n

func init() { add(achievementMessages) }

// achievementMessages: /report, /achievements, /summary, /categories and /export.
var achievementMessages = map[string]Msg{
	// Command menu.
	"cmd.report":       {VI: "Báo cáo thành tích của đơn vị (#thẻ để phân loại)", EN: "Report an achievement of your unit (#tags)"},
	"cmd.achievements": {VI: "Xem thành tích [đơn vị] [2024 | q1/2024 | 06/2024]", EN: "Browse achievements [unit] [2024 | q1/2024 | 06/2024]"},
	"cmd.summary":      {VI: "Tổng hợp thành tích theo đơn vị, lĩnh vực [năm]", EN: "Per-unit, per-category totals [year]"},
	"cmd.categories":   {VI: "Các lĩnh vực (thẻ) thành tích; thêm lĩnh vực", EN: "Achievement categories (tags); add one"},
	"cmd.evidence":     {VI: "Xem tệp minh chứng của một thành tích [số]", EN: "Get a report's evidence file [number]"},
	"cmd.export":       {VI: "Xuất bảng tính Excel của năm [năm]", EN: "Export the year's Excel workbook [year]"},

	// Reporting.
	"report.ask": {
		VI: "📝 Nhập nội dung thành tích của <b>{unit}</b> (trả lời tin nhắn này).\nThêm #thẻ để phân loại, ví dụ <code>#an_sinh</code>, <code>#hoi_thi</code>, <code>#chuyen_doi_so</code>.",
		EN: "📝 Type the achievement of <b>{unit}</b> (reply to this message).\nAdd #tags to classify it, e.g. <code>#an_sinh</code>, <code>#hoi_thi</code>, <code>#chuyen_doi_so</code>.",
	},
	"report.ask_placeholder": {VI: "Nội dung thành tích #an_sinh", EN: "What was achieved #an_sinh"},
	"report.recorded": {
		VI: "✅ Đã ghi nhận thành tích <b>#{id}</b>\n🏛 Đơn vị: <b>{unit}</b>\n📅 Ngày: {date}\n👤 Người báo cáo: {reporter}\n🏷 Lĩnh vực: {cats}\n📎 Minh chứng: {evidence}\n<blockquote>{text}</blockquote>\n<i>Người báo cáo hoặc quản trị viên có thể hoàn tác trong 24 giờ.</i>",
		EN: "✅ Achievement <b>#{id}</b> recorded\n🏛 Unit: <b>{unit}</b>\n📅 Date: {date}\n👤 Reported by: {reporter}\n🏷 Category: {cats}\n📎 Evidence: {evidence}\n<blockquote>{text}</blockquote>\n<i>The reporter or a manager can undo it within 24 hours.</i>",
	},
	"report.evidence_photo":    {VI: "có (ảnh)", EN: "yes (photo)"},
	"report.evidence_document": {VI: "có (tệp {name})", EN: "yes (file {name})"},
	"report.evidence_none":     {VI: "không", EN: "none"},
	"report.evidence_shared": {
		VI: "📎 Tệp minh chứng đi cùng thành tích: thành viên khối {bloc} mở được bằng nút 📎 trong /thanhtich hoặc <code>/minhchung {id}</code>. Không muốn chia sẻ thì bấm Hoàn tác.",
		EN: "📎 The evidence file goes with the report: members of {bloc} can open it with the 📎 button of /achievements or <code>/evidence {id}</code>. If you do not want to share it, press Undo.",
	},
	"report.unknown_tags": {
		VI: "ℹ️ Thẻ chưa có trong danh mục, được giữ nguyên: {tags}. Xem các lĩnh vực: /linhvuc",
		EN: "ℹ️ Tags not in the category list are kept as typed: {tags}. See the categories: /categories",
	},
	"report.undo_button": {VI: "↩️ Hoàn tác", EN: "↩️ Undo"},
	"report.undone": {
		VI: "↩️ Báo cáo <b>#{id}</b> của <b>{unit}</b> đã được hoàn tác (bởi {by}), không còn được tính.\n<s>{text}</s>",
		EN: "↩️ Report <b>#{id}</b> of <b>{unit}</b> was undone (by {by}) and no longer counts.\n<s>{text}</s>",
	},
	"report.undone_answer": {VI: "Đã hoàn tác báo cáo #{id}.", EN: "Report #{id} undone."},
	"report.undo_forbidden": {
		VI: "Xin lỗi, chỉ người đã báo cáo hoặc quản trị viên mới hoàn tác được báo cáo này. Không có gì thay đổi.",
		EN: "Sorry, only the person who reported it or a manager can undo this report. Nothing was changed.",
	},
	"report.undo_expired": {
		VI: "Đã quá 24 giờ nên không thể hoàn tác báo cáo này nữa.",
		EN: "More than 24 hours have passed; this report can no longer be undone.",
	},
	"report.undo_gone": {VI: "Báo cáo này đã được hoàn tác trước đó.", EN: "This report was already undone."},
	"report.same": {
		VI: "ℹ️ Thành tích này vừa được ghi nhận (<b>#{id}</b>), bot không ghi thêm lần nữa.",
		EN: "ℹ️ This achievement was just recorded (<b>#{id}</b>); it was not recorded twice.",
	},
	"report.too_long": {
		VI: "⚠️ Nội dung quá dài ({len} ký tự). Mỗi báo cáo tối đa {max} ký tự — hãy tóm tắt, hoặc tách thành nhiều báo cáo. Chưa có gì được ghi nhận.",
		EN: "⚠️ That is too long ({len} characters). A report is at most {max} characters — shorten it or split it into several reports. Nothing was recorded.",
	},
	"report.empty": {
		VI: "Báo cáo cần có nội dung bằng chữ. Gõ <code>/baocao nội dung #thẻ</code>, hoặc gõ /baocao rồi trả lời tin nhắn của bot.",
		EN: "A report needs some text. Type <code>/report what was achieved #tag</code>, or type /report and reply to the bot's message.",
	},
	"report.slow": {
		VI: "⏳ Bạn đã gửi {max} báo cáo trong {minutes} phút vừa qua. Vui lòng chậm lại, đợi ít phút rồi gửi tiếp. Báo cáo này chưa được ghi nhận.",
		EN: "⏳ You sent {max} reports in the last {minutes} minutes. Please slow down and send the next one in a few minutes. This report was not recorded.",
	},
	"report.not_member": {
		VI: "Bạn chưa đại diện đơn vị nào trong khối nên chưa báo cáo được. Gõ /thamgia để chọn đơn vị của mình; khi được duyệt, hãy gửi lại /baocao.",
		EN: "You don't represent a unit of this bloc yet, so you cannot report. Type /join to choose your unit; once approved, send /report again.",
	},
	"report.private_none": {
		VI: "Bạn chưa là thành viên của khối thi đua nào. Hãy vào nhóm Telegram của khối và gõ /thamgia để chọn đơn vị của mình; khi được duyệt, bạn có thể gửi /baocao tại đây hoặc trong nhóm.",
		EN: "You are not a member of any emulation bloc yet. In your bloc's Telegram group, type /join to choose your unit; once approved, you can send /report here or in the group.",
	},
	"report.private_choose": {
		VI: "Bạn là thành viên của nhiều khối. Gửi báo cáo này cho khối nào?",
		EN: "You are a member of several blocs. Which bloc is this report for?",
	},
	"report.draft_gone": {
		VI: "Bản nháp này đã được gửi hoặc đã hết hạn. Hãy gửi lại /baocao.",
		EN: "This draft was already sent or has expired. Please send /report again.",
	},
	"report.chosen": {VI: "Đã chọn {bloc}.", EN: "{bloc} chosen."},

	// Browsing.
	"ach.title": {VI: "🏆 <b>Thành tích</b>{filter}", EN: "🏆 <b>Achievements</b>{filter}"},
	"ach.count": {VI: "{n} báo cáo · trang {page}/{pages}", EN: "{n} reports · page {page}/{pages}"},
	"ach.empty": {VI: "Chưa có thành tích nào được báo cáo{filter}.\nBáo cáo bằng lệnh <code>/baocao nội dung #thẻ</code>.", EN: "No achievements reported{filter} yet.\nReport one with <code>/report what was achieved #tag</code>."},
	"ach.hint":  {VI: "<i>Lọc: /thanhtich [đơn vị] [2024 | q1/2024 | 06/2024]</i>", EN: "<i>Filter: /achievements [unit] [2024 | q1/2024 | 06/2024]</i>"},
	"ach.next":  {VI: "Trang sau ▶️", EN: "Next ▶️"},
	"ach.evidence_usage": {
		VI: "Cách dùng: <code>/minhchung số</code>, ví dụ <code>/minhchung 12</code> gửi tệp minh chứng của thành tích #12. Trong /thanhtich, bấm nút 📎 của thành tích.",
		EN: "Usage: <code>/evidence number</code>, e.g. <code>/evidence 12</code> sends the evidence of report #12. In /achievements, press the report's 📎 button.",
	},
	"ach.evidence_sent":   {VI: "📎 Đã gửi minh chứng của #{id}.", EN: "📎 Sent the evidence of #{id}."},
	"ach.evidence_none":   {VI: "Không có thành tích #{id}.", EN: "There is no report #{id}."},
	"ach.evidence_nofile": {VI: "Thành tích #{id} không kèm tệp minh chứng.", EN: "Report #{id} has no evidence file."},
	"ach.evidence_withdrawn": {
		VI: "Người báo cáo thành tích #{id} đã yêu cầu xoá dữ liệu cá nhân, nên bot không gửi tệp minh chứng của họ nữa.",
		EN: "The person who reported #{id} asked the bot to forget them, so it no longer sends their evidence file.",
	},
	"ach.evidence_caption": {VI: "📎 Minh chứng của thành tích #{id} — {unit}, {date}", EN: "📎 Evidence of report #{id} — {unit}, {date}"},
	"ach.prev":             {VI: "◀️ Trang trước", EN: "◀️ Previous"},
	"ach.page":             {VI: "Trang {page}/{pages}", EN: "Page {page}/{pages}"},
	"ach.by":               {VI: "👤 {name}", EN: "👤 {name}"},
	"ach.no_unit":          {VI: "Không tìm thấy đơn vị “{q}”. Gõ /donvi để xem danh sách đơn vị.", EN: "There is no unit “{q}”. Type /units to see the units."},
	"ach.choose_unit": {
		VI: "Có nhiều đơn vị khớp với “{q}”. Chọn một đơn vị:",
		EN: "Several units match “{q}”. Choose one:",
	},
	"ach.bad_period": {
		VI: "Không hiểu khoảng thời gian “{q}”. Hãy dùng <code>2024</code>, <code>q1/2024</code> hoặc <code>06/2024</code>, ví dụ <code>/thanhtich cuc thue q1/2024</code>.",
		EN: "I don't understand the period “{q}”. Use <code>2024</code>, <code>q1/2024</code> or <code>06/2024</code>, e.g. <code>/achievements tax q1/2024</code>.",
	},

	// Summary.
	"sum.title":   {VI: "📊 <b>Tổng hợp thành tích năm {year}</b>\n{bloc}\nTổng cộng: <b>{n}</b> báo cáo", EN: "📊 <b>Achievements in {year}</b>\n{bloc}\nIn all: <b>{n}</b> reports"},
	"sum.units":   {VI: "<b>Theo đơn vị</b>", EN: "<b>By unit</b>"},
	"sum.cats":    {VI: "<b>Theo lĩnh vực</b>", EN: "<b>By category</b>"},
	"sum.none":    {VI: "chưa báo cáo", EN: "no reports yet"},
	"sum.empty":   {VI: "Năm {year} chưa có báo cáo thành tích nào. Báo cáo bằng lệnh <code>/baocao nội dung #thẻ</code>.", EN: "No achievements were reported in {year} yet. Report one with <code>/report what was achieved #tag</code>."},
	"sum.note":    {VI: "<i>Báo cáo gắn nhiều thẻ được tính ở mỗi lĩnh vực. Chi tiết: /thanhtich, bảng tính: /xuat.</i>", EN: "<i>A report with several tags counts in each of its categories. Details: /achievements; workbook: /export.</i>"},
	"sum.missing": {VI: "⚠️ Chưa báo cáo năm {year}: {list}", EN: "⚠️ No report in {year} yet: {list}"},
	"err.bad_year": {
		VI: "Năm không hợp lệ: “{q}”. Ví dụ: <code>2024</code>.",
		EN: "That is not a year: “{q}”. Example: <code>2024</code>.",
	},

	// Categories.
	"cat.title":    {VI: "🏷 <b>Lĩnh vực thành tích</b>\nGắn thẻ vào báo cáo để phân loại, ví dụ <code>/baocao Ủng hộ quỹ vì người nghèo #an_sinh</code>:", EN: "🏷 <b>Achievement categories</b>\nAdd a tag to a report to classify it, e.g. <code>/report Raised funds for the poor #an_sinh</code>:"},
	"cat.custom":   {VI: "<b>Lĩnh vực riêng của khối</b>", EN: "<b>The bloc's own categories</b>"},
	"cat.hint":     {VI: "<i>Quản trị viên thêm lĩnh vực: <code>/linhvuc them the_moi Tên lĩnh vực</code>. Thẻ không có trong danh mục vẫn được giữ nguyên.</i>", EN: "<i>Managers add a category with <code>/categories add new_tag Category name</code>. Tags not in the list are kept as typed.</i>"},
	"cat.added":    {VI: "✅ Đã thêm lĩnh vực <b>{name}</b>, thẻ <code>#{tag}</code>.", EN: "✅ Category <b>{name}</b> added, tag <code>#{tag}</code>."},
	"cat.dup":      {VI: "Thẻ hoặc tên “{tag}” đã có trong danh mục lĩnh vực. Xem: /linhvuc", EN: "The tag or name “{tag}” is already a category. See /categories"},
	"cat.bad_tag":  {VI: "Thẻ chỉ gồm chữ, số và dấu gạch dưới (có ít nhất một chữ cái), tối đa {max} ký tự, ví dụ <code>the_moi</code>.", EN: "A tag is letters, digits and underscores (at least one letter), at most {max} characters, e.g. <code>new_tag</code>."},
	"cat.usage":    {VI: "Cách thêm lĩnh vực: <code>/linhvuc them the_moi Tên lĩnh vực</code>", EN: "To add a category: <code>/categories add new_tag Category name</code>"},
	"cat.too_many": {VI: "Khối có tối đa {max} lĩnh vực riêng.", EN: "A bloc has at most {max} categories of its own."},

	// Export.
	"export.caption": {
		VI: "📊 <b>{bloc}</b>\nBảng tính năm {year}: {sheets}.",
		EN: "📊 <b>{bloc}</b>\nWorkbook for {year}: {sheets}.",
	},
	"export.file":          {VI: "khoi-thi-dua-{year}.xlsx", EN: "emulation-bloc-{year}.xlsx"},
	"xlsx.ach.sheet":       {VI: "Thành tích", EN: "Achievements"},
	"xlsx.sum.sheet":       {VI: "Tổng hợp", EN: "Summary"},
	"xlsx.no":              {VI: "STT", EN: "No."},
	"xlsx.ach.id":          {VI: "Mã", EN: "ID"},
	"xlsx.ach.date":        {VI: "Ngày", EN: "Date"},
	"xlsx.ach.unit":        {VI: "Đơn vị", EN: "Unit"},
	"xlsx.ach.reporter":    {VI: "Người báo cáo", EN: "Reporter"},
	"xlsx.ach.category":    {VI: "Lĩnh vực", EN: "Category"},
	"xlsx.ach.text":        {VI: "Nội dung", EN: "Text"},
	"xlsx.ach.evidence":    {VI: "Minh chứng", EN: "Evidence"},
	"xlsx.yes":             {VI: "Có", EN: "Yes"},
	"xlsx.no_value":        {VI: "Không", EN: "No"},
	"xlsx.sum.total":       {VI: "Tổng số báo cáo", EN: "Reports"},
	"xlsx.sum.all":         {VI: "Cộng", EN: "All units"},
	"xlsx.sum.sheet_count": {VI: "{sheet} ({n} dòng)", EN: "{sheet} ({n} rows)"},

	// Audit trail.
	"audit.ach.report":   {VI: "báo cáo thành tích #{id} của {unit}", EN: "achievement #{id} reported for {unit}"},
	"audit.ach.undo":     {VI: "hoàn tác báo cáo #{id} của {unit}", EN: "report #{id} of {unit} undone"},
	"audit.ach.category": {VI: "thêm lĩnh vực #{tag} “{name}”", EN: "category #{tag} “{name}” added"},
}
