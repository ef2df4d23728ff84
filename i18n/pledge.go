package i18n

func init() { add(pledgeMessages) }

// pledgeMessages are the emulation pledge's (giao ước thi đua). Keys ending in _answer are
// button answers: plain text, no tags.
var pledgeMessages = map[string]Msg{
	"cmd.pledge": {VI: "Giao ước thi đua: xem, đăng, sửa, lịch sử, hạn ký", EN: "The emulation pledge: show, post, amend, history, sign-by date"},
	"cmd.sign":   {VI: "Ký giao ước thi đua cho đơn vị của bạn", EN: "Sign the pledge for your unit"},

	// The pledge message.
	"pledge.button_sign": {VI: "✍️ Ký kết", EN: "✍️ Sign"},
	"pledge.header": {
		VI: "📜 <b>{title}</b>\n<i>{bloc}</i>\nNăm {year} · phiên bản <code>{version}</code>",
		EN: "📜 <b>{title}</b>\n<i>{bloc}</i>\nYear {year} · version <code>{version}</code>",
	},
	"pledge.superseded": {
		VI: "⚠️ <b>Phiên bản cũ</b> — đã được thay bằng phiên bản <code>{version}</code>. Hãy ký phiên bản mới.",
		EN: "⚠️ <b>Old version</b> — replaced by version <code>{version}</code>. Please sign the new version.",
	},
	"pledge.count":         {VI: "✍️ <b>Đã ký {n}/{total}</b>", EN: "✍️ <b>Signed {n}/{total}</b>"},
	"pledge.line_signed":   {VI: "✅ {unit} — {person}, {at}", EN: "✅ {unit} — {person}, {at}"},
	"pledge.line_unsigned": {VI: "⬜ {unit} — <i>chưa ký</i>", EN: "⬜ {unit} — <i>not signed</i>"},
	"pledge.list_signed":   {VI: "✅ Đã ký: {list}", EN: "✅ Signed: {list}"},
	"pledge.list_unsigned": {VI: "⬜ Chưa ký: {list}", EN: "⬜ Not signed: {list}"},
	"pledge.more_details":  {VI: "Xem chi tiết: /giaouoc", EN: "Details: /pledge"},
	"pledge.deadline_line": {VI: "⏰ Hạn ký: <b>{at}</b>", EN: "⏰ Sign by: <b>{at}</b>"},
	"pledge.in_force_line": {
		VI: "🎉 <b>Có hiệu lực</b> từ {at}: tất cả đơn vị đã ký.",
		EN: "🎉 <b>In force</b> since {at}: every unit has signed.",
	},
	"pledge.sign_hint": {
		VI: "Đại diện mỗi đơn vị bấm <b>✍️ Ký kết</b> bên dưới hoặc gõ /kyket để ký cho đơn vị mình.",
		EN: "A representative of each unit presses <b>✍️ Sign</b> below or types /sign to sign for their unit.",
	},

	// Showing and guiding.
	"pledge.none": {
		VI: "Khối chưa có giao ước thi đua. Quản trị viên hoặc đơn vị Khối trưởng đăng giao ước như sau (dòng đầu là tiêu đề, mỗi dòng sau là một cam kết):\n<code>/giaouoc new Giao ước thi đua năm {year}\n- Cam kết thứ nhất\n- Cam kết thứ hai</code>",
		EN: "The bloc has no pledge yet. An admin or the chair unit posts one like this (the title on the first line, then one commitment per line):\n<code>/pledge new Emulation pledge {year}\n- First commitment\n- Second commitment</code>",
	},
	"pledge.usage": {
		VI: "<b>Giao ước thi đua</b>\n/giaouoc — xem giao ước và đơn vị đã ký, chưa ký\n/kyket — ký cho đơn vị của bạn\n<code>/giaouoc new Tiêu đề</code> + mỗi dòng một cam kết — đăng giao ước năm nay (hoặc trả lời tin nhắn chứa nội dung)\n<code>/giaouoc amend</code> + nội dung mới — sửa đổi; chữ ký bắt đầu lại\n<code>/giaouoc history</code> — các phiên bản và chữ ký\n<code>/giaouoc deadline 15/02</code> — hạn ký",
		EN: "<b>The emulation pledge</b>\n/pledge — the pledge and who has and has not signed\n/sign — sign for your unit\n<code>/pledge new Title</code> + one commitment per line — post this year's pledge (or reply to a message holding the text)\n<code>/pledge amend</code> + the new text — amend it; signatures start again\n<code>/pledge history</code> — versions and their signatures\n<code>/pledge deadline 15/02</code> — the sign-by date",
	},
	"pledge.ask_new": {
		VI: "✍️ Gửi nội dung giao ước bằng cách <b>trả lời tin nhắn này</b>: dòng đầu là tiêu đề, mỗi dòng sau là một cam kết. Ví dụ:\n<code>Giao ước thi đua năm {year}\n- Hoàn thành vượt mức chỉ tiêu năm {year}\n- Khen thưởng công khai, đúng thành tích</code>",
		EN: "✍️ Send the pledge by <b>replying to this message</b>: the title on the first line, then one commitment per line. For example:\n<code>Emulation pledge {year}\n- Exceed the {year} targets\n- Award openly and fairly</code>",
	},
	"pledge.ask_amend": {
		VI: "✍️ Gửi nội dung <b>mới</b> của giao ước bằng cách <b>trả lời tin nhắn này</b> (dòng đầu là tiêu đề, mỗi dòng sau là một cam kết). Nội dung hiện tại để chép và sửa:\n<pre>{text}</pre>",
		EN: "✍️ Send the <b>new</b> text of the pledge by <b>replying to this message</b> (the title on the first line, then one commitment per line). The current text, to copy and edit:\n<pre>{text}</pre>",
	},
	"pledge.ask_placeholder": {VI: "Tiêu đề, rồi mỗi dòng một cam kết", EN: "Title, then one commitment per line"},

	// Refusals of a text.
	"pledge.err_empty": {
		VI: "Giao ước đang trống. Dòng đầu là tiêu đề, mỗi dòng sau là một cam kết, ví dụ:\n<code>/giaouoc new Giao ước thi đua năm {year}\n- Cam kết thứ nhất\n- Cam kết thứ hai</code>",
		EN: "The pledge is empty. Put the title on the first line and one commitment on each following line, e.g.:\n<code>/pledge new Emulation pledge {year}\n- First commitment\n- Second commitment</code>",
	},
	"pledge.err_no_items": {
		VI: "Giao ước “{title}” chưa có cam kết nào. Viết mỗi cam kết trên một dòng, sau dòng tiêu đề.",
		EN: "The pledge “{title}” has no commitments. Write each commitment on its own line after the title.",
	},
	"pledge.err_too_long": {
		VI: "Giao ước quá dài ({len} ký tự); tối đa {max} ký tự để vừa một tin nhắn. Hãy rút gọn các cam kết. Chưa có gì được lưu.",
		EN: "The pledge is too long ({len} characters); the limit is {max} so it fits in one message. Please shorten the commitments. Nothing was saved.",
	},
	"pledge.err_title_long": {
		VI: "Tiêu đề quá dài (tối đa {max} ký tự). Tiêu đề là dòng đầu tiên; các cam kết viết ở các dòng sau.",
		EN: "The title is too long (at most {max} characters). The title is the first line; commitments go on the following lines.",
	},
	"pledge.err_too_many": {
		VI: "Giao ước có quá nhiều cam kết; tối đa {max}. Chưa có gì được lưu.",
		EN: "The pledge has too many commitments; the limit is {max}. Nothing was saved.",
	},
	"pledge.no_units": {
		VI: "Khối chưa có đơn vị nào để ký giao ước. Hãy thêm đơn vị trước: /themdonvi",
		EN: "The bloc has no units to sign a pledge yet. Add the units first: /addunit",
	},
	"pledge.exists": {
		VI: "Năm {year} đã có giao ước (phiên bản <code>{version}</code>, đã ký {n}/{total}). Để thay đổi nội dung, dùng <code>/giaouoc amend</code> kèm nội dung mới.",
		EN: "{year} already has a pledge (version <code>{version}</code>, signed {n}/{total}). To change its text, use <code>/pledge amend</code> with the new text.",
	},
	"pledge.unchanged": {
		VI: "Nội dung gửi giống hệt phiên bản hiện tại (<code>{version}</code>), nên không có gì thay đổi và chữ ký được giữ nguyên.",
		EN: "That text is the same as the current version (<code>{version}</code>), so nothing changed and the signatures stand.",
	},

	// Amending.
	"pledge.amended": {
		VI: "📝 <b>Giao ước đã được sửa đổi</b>: phiên bản <code>{old}</code> → <code>{version}</code>.\n<b>Thay đổi:</b>\n{changes}\n\n⚠️ Chữ ký của phiên bản cũ ({n} đơn vị) không còn hiệu lực. Các đơn vị vui lòng ký lại phiên bản mới bên dưới.",
		EN: "📝 <b>The pledge was amended</b>: version <code>{old}</code> → <code>{version}</code>.\n<b>Changes:</b>\n{changes}\n\n⚠️ The signatures of the old version ({n} units) no longer count. Units, please sign the new version below.",
	},
	"pledge.change_title":   {VI: "✏️ Tiêu đề: “{old}” → “{new}”", EN: "✏️ Title: “{old}” → “{new}”"},
	"pledge.change_edited":  {VI: "✏️ Sửa cam kết {pos}: {text}\n     (trước đây: {old})", EN: "✏️ Changed commitment {pos}: {text}\n     (was: {old})"},
	"pledge.change_added":   {VI: "➕ Thêm cam kết {pos}: {text}", EN: "➕ Added commitment {pos}: {text}"},
	"pledge.change_removed": {VI: "➖ Bỏ cam kết {pos} (cũ): {text}", EN: "➖ Removed commitment {pos} (old): {text}"},

	// Signing.
	"pledge.signed": {
		VI: "✅ <b>{unit}</b> đã ký giao ước (phiên bản <code>{version}</code>) — {person}, {at}. Đã ký {n}/{total}.",
		EN: "✅ <b>{unit}</b> signed the pledge (version <code>{version}</code>) — {person}, {at}. Signed {n}/{total}.",
	},
	"pledge.signed_answer": {
		VI: "✅ Đã ký cho {unit} (phiên bản {version}). Đã ký {n}/{total}.",
		EN: "✅ Signed for {unit} (version {version}). Signed {n}/{total}.",
	},
	"pledge.already_answer": {
		VI: "{unit} đã ký phiên bản {version} rồi: {person}, lúc {at}. Mỗi đơn vị chỉ ký một lần.",
		EN: "{unit} already signed version {version}: {person}, at {at}. Each unit signs once.",
	},
	"pledge.stale_answer": {
		VI: "Đây là phiên bản cũ ({old}); giao ước đã được sửa thành phiên bản {version}. Hãy ký phiên bản mới: bấm nút ở tin nhắn giao ước mới nhất hoặc gõ /kyket.",
		EN: "This is an old version ({old}); the pledge was amended to version {version}. Please sign the new one: the button on the latest pledge message, or /sign.",
	},
	"pledge.none_answer": {
		VI: "Chưa có giao ước để ký. Quản trị viên đăng giao ước bằng /giaouoc new.",
		EN: "There is no pledge to sign yet. An admin posts one with /pledge new.",
	},
	"pledge.in_force_removed": {
		VI: "🎉 <b>Giao ước thi đua năm {year} chính thức có hiệu lực!</b>\nSau khi xoá đơn vị {unit}, tất cả {n}/{n} đơn vị còn lại đã ký phiên bản <code>{version}</code>.",
		EN: "🎉 <b>The {year} emulation pledge is in force!</b>\nWith {unit} removed, all {n}/{n} remaining units have signed version <code>{version}</code>.",
	},
	"pledge.in_force": {
		VI: "🎉 <b>Giao ước thi đua năm {year} chính thức có hiệu lực!</b>\nTất cả {n}/{n} đơn vị đã ký phiên bản <code>{version}</code>; đơn vị ký cuối cùng: {unit}.",
		EN: "🎉 <b>The {year} emulation pledge is in force!</b>\nAll {n}/{n} units signed version <code>{version}</code>; the last to sign: {unit}.",
	},

	// Sign-by date.
	"pledge.deadline_set": {
		VI: "⏰ Hạn ký giao ước năm {year}: <b>{at}</b>. Các đơn vị chưa ký ({n}) sẽ được nhắc trước hạn.",
		EN: "⏰ The {year} pledge is to be signed by <b>{at}</b>. Units that have not signed ({n}) will be reminded before then.",
	},
	"pledge.deadline_cleared": {VI: "Đã bỏ hạn ký giao ước năm {year}.", EN: "The sign-by date of the {year} pledge was removed."},
	"pledge.deadline_current": {
		VI: "⏰ Hạn ký hiện tại: <b>{at}</b>. Để đổi: <code>/giaouoc deadline dd/mm</code>; để bỏ: <code>/giaouoc deadline off</code>.",
		EN: "⏰ Current sign-by date: <b>{at}</b>. To change it: <code>/pledge deadline dd/mm</code>; to remove it: <code>/pledge deadline off</code>.",
	},
	"pledge.deadline_none": {VI: "Giao ước chưa có hạn ký.", EN: "The pledge has no sign-by date."},
	"pledge.deadline_ask": {
		VI: "📅 Trả lời tin nhắn này với hạn ký: <code>dd/mm</code> hoặc <code>dd/mm/yyyy</code>, có thể kèm giờ, ví dụ <code>{example}</code> hoặc <code>{example} 17:00</code>.",
		EN: "📅 Reply to this message with the sign-by date: <code>dd/mm</code> or <code>dd/mm/yyyy</code>, optionally with a time, e.g. <code>{example}</code> or <code>{example} 17:00</code>.",
	},
	"pledge.deadline_placeholder": {VI: "dd/mm[/yyyy] [HH:MM]", EN: "dd/mm[/yyyy] [HH:MM]"},
	"pledge.deadline_bad": {
		VI: "Không hiểu ngày “{text}”. Hãy viết dd/mm hoặc dd/mm/yyyy (có thể kèm giờ HH:MM), ví dụ: <code>/giaouoc deadline {example}</code> hoặc <code>/giaouoc deadline {example} 17:00</code>.",
		EN: "I can't read the date “{text}”. Write dd/mm or dd/mm/yyyy (optionally with HH:MM), e.g. <code>/pledge deadline {example}</code> or <code>/pledge deadline {example} 17:00</code>.",
	},
	"pledge.deadline_past": {
		VI: "Thời điểm {at} đã qua. Hãy chọn một ngày sắp tới, ví dụ <code>/giaouoc deadline {example}</code>.",
		EN: "{at} has already passed. Choose a date ahead, e.g. <code>/pledge deadline {example}</code>.",
	},
	"pledge.deadline_far": {
		VI: "Hạn ký {at} quá xa (tối đa 2 năm). Ví dụ: <code>/giaouoc deadline {example}</code>.",
		EN: "The sign-by date {at} is too far ahead (at most 2 years). For example: <code>/pledge deadline {example}</code>.",
	},

	// History.
	"pledge.history_title": {
		VI: "🗂 <b>Lịch sử giao ước năm {year}</b> — {n} phiên bản",
		EN: "🗂 <b>History of the {year} pledge</b> — {n} versions",
	},
	"pledge.history_version": {
		VI: "<b>Phiên bản {i}</b> <code>{version}</code>{state}\nĐăng {at} bởi {person} · “{title}”, {items} cam kết",
		EN: "<b>Version {i}</b> <code>{version}</code>{state}\nPosted {at} by {person} · “{title}”, {items} commitments",
	},
	"pledge.history_current":   {VI: " — <b>hiện hành</b>", EN: " — <b>current</b>"},
	"pledge.history_replaced":  {VI: " — đã thay thế", EN: " — replaced"},
	"pledge.history_in_force":  {VI: "🎉 Có hiệu lực từ {at}", EN: "🎉 In force since {at}"},
	"pledge.history_signed":    {VI: "Đã ký {n}/{total}:", EN: "Signed {n}/{total}:"},
	"pledge.history_sig":       {VI: "  ✅ {unit} — {person}, {at}", EN: "  ✅ {unit} — {person}, {at}"},
	"pledge.history_no_sig":    {VI: "Chưa đơn vị nào ký.", EN: "No unit signed."},
	"pledge.history_years":     {VI: "Các năm có giao ước: {list}. Xem năm khác: <code>/giaouoc history {year}</code>", EN: "Years with a pledge: {list}. Another year: <code>/pledge history {year}</code>"},
	"pledge.history_no_year":   {VI: "Năm {year} không có giao ước.", EN: "There is no pledge for {year}."},
	"pledge.history_diff_head": {VI: "Thay đổi so với phiên bản trước:", EN: "Changes from the version before:"},

	// The sheet of the /export workbook.
	"pledge.sheet":              {VI: "Giao ước", EN: "Pledge"},
	"pledge.sheet_item":         {VI: "Mục", EN: "Item"},
	"pledge.sheet_value":        {VI: "Nội dung", EN: "Content"},
	"pledge.sheet_time":         {VI: "Thời gian", EN: "Time"},
	"pledge.sheet_title":        {VI: "Tiêu đề", EN: "Title"},
	"pledge.sheet_year":         {VI: "Năm", EN: "Year"},
	"pledge.sheet_version":      {VI: "Phiên bản", EN: "Version"},
	"pledge.sheet_posted":       {VI: "Đăng bởi", EN: "Posted by"},
	"pledge.sheet_deadline":     {VI: "Hạn ký", EN: "Sign by"},
	"pledge.sheet_in_force":     {VI: "Có hiệu lực", EN: "In force"},
	"pledge.sheet_commitment":   {VI: "Cam kết {n}", EN: "Commitment {n}"},
	"pledge.sheet_unit":         {VI: "Đơn vị", EN: "Unit"},
	"pledge.sheet_person":       {VI: "Người ký", EN: "Signed by"},
	"pledge.sheet_signed_at":    {VI: "Ngày giờ ký", EN: "Signed at"},
	"pledge.sheet_not_signed":   {VI: "chưa ký", EN: "not signed"},
	"pledge.sheet_removed_unit": {VI: "{unit} (đã xoá khỏi khối)", EN: "{unit} (removed from the bloc)"},

	// Audit log (/history).
	"audit.pledge.post":     {VI: "đăng giao ước năm {year} (phiên bản {version})", EN: "pledge {year} posted (version {version})"},
	"audit.pledge.amend":    {VI: "sửa giao ước năm {year}: {old} → {version}", EN: "pledge {year} amended: {old} → {version}"},
	"audit.pledge.sign":     {VI: "{unit} ký giao ước năm {year} ({version})", EN: "{unit} signed the {year} pledge ({version})"},
	"audit.pledge.inforce":  {VI: "giao ước năm {year} ({version}) có hiệu lực", EN: "the {year} pledge ({version}) in force"},
	"audit.pledge.deadline": {VI: "đặt hạn ký giao ước năm {year}", EN: "sign-by date of the {year} pledge set"},
}
