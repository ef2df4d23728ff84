package i18n

func init() { add(ballotMessages) }

// ballotMessages: electing the chair and deputy (handlers/ballots.go), the ballot minutes sheet
// and the ballots' audit entries.
var ballotMessages = map[string]Msg{
	"cmd.elect":       {VI: "Mở bầu Khối trưởng / Khối phó: truong|pho [hạn chót]", EN: "Open the election of the chair or deputy [deadline]"},
	"cmd.ballot":      {VI: "Cuộc bầu đang mở: số đơn vị đã bỏ phiếu, thời gian còn lại", EN: "The open ballot: turnout, units still to vote, time left"},
	"cmd.closevote":   {VI: "Đóng phiếu bầu và công bố kết quả", EN: "Close the ballot now and announce the result"},
	"cmd.ballotrules": {VI: "Quy tắc bầu cử của khối (túc số, đa số, tự bầu, kín/công khai)", EN: "The bloc's ballot rules (quorum, majority, self-vote, secret/open)"},

	"ballot.pos.chair":  {VI: "Khối trưởng", EN: "chair"},
	"ballot.pos.deputy": {VI: "Khối phó", EN: "deputy"},

	"ballot.title":          {VI: "🗳 <b>Bầu {position} năm {year}</b> (cuộc bầu số {id})", EN: "🗳 <b>Election of the bloc {position} for {year}</b> (ballot no. {id})"},
	"ballot.round":          {VI: "— vòng {round}", EN: "— round {round}"},
	"ballot.runoff_intro":   {VI: "⚖️ Bầu lại giữa các đơn vị dẫn đầu vòng trước.", EN: "⚖️ A runoff between the leading units of the previous round."},
	"ballot.more_than_half": {VI: "quá bán (hơn 1/2)", EN: "more than half"},
	"ballot.more_than":      {VI: "hơn {share}", EN: "more than {share}"},
	"ballot.at_least":       {VI: "ít nhất {share}", EN: "at least {share}"},
	"ballot.all":            {VI: "tất cả", EN: "all"},
	"ballot.mode_secret":    {VI: "bỏ phiếu kín — không ai, kể cả quản trị viên, xem được đơn vị nào chọn ai", EN: "secret — no one, admins included, can see which unit chose whom"},
	"ballot.mode_open":      {VI: "bỏ phiếu công khai — kết quả ghi rõ đơn vị nào chọn ai", EN: "open — the result lists which unit chose whom"},
	"ballot.self_yes":       {VI: "Đơn vị được bầu cho chính mình.", EN: "A unit may vote for itself."},
	"ballot.self_no":        {VI: "Đơn vị không được bầu cho chính mình.", EN: "A unit may not vote for itself."},
	"ballot.deadline":       {VI: "Hạn chót: <b>{when}</b> (tự động đóng phiếu).", EN: "Deadline: <b>{when}</b> (closes by itself)."},
	"ballot.no_deadline":    {VI: "Không có hạn chót: quản trị viên đóng phiếu bằng /dongphieu.", EN: "No deadline: a manager closes it with /closevote."},
	"ballot.rules": {
		VI: "<b>Thể thức:</b> {mode}.\n<b>Hợp lệ khi</b> {quorum} số đơn vị bỏ phiếu (ít nhất {need}/{eligible}).\n<b>Trúng cử:</b> nhiều phiếu nhất và {majority} số phiếu bầu.\n<b>Hòa hoặc không ai đạt đa số:</b> bầu lại ngay giữa các đơn vị dẫn đầu (tối đa {rounds} vòng).\n{self}\n{deadline}",
		EN: "<b>Mode:</b> {mode}.\n<b>Valid when</b> {quorum} of the units vote (at least {need}/{eligible}).\n<b>Winner:</b> the most votes and {majority} of the votes cast.\n<b>Tie or no majority:</b> a runoff between the leading units opens at once (at most {rounds} round(s) in all).\n{self}\n{deadline}",
	},
	"ballot.how": {
		VI: "Mỗi đơn vị một phiếu: người đại diện bấm tên đơn vị mình chọn bên dưới. Có thể đổi phiếu cho đến khi đóng; chỉ người bấm thấy lựa chọn của mình.",
		EN: "One ballot per unit: a representative presses the unit of their choice below. It can be changed until the ballot closes; only the presser sees the choice.",
	},
	"ballot.how_short":     {VI: "Bấm tên đơn vị để bỏ phiếu hoặc đổi phiếu.", EN: "Press a unit to cast or change your unit's ballot."},
	"ballot.vote_in_group": {VI: "Bỏ phiếu bằng các nút trên phiếu bầu trong nhóm của khối.", EN: "Votes are cast with the buttons of the ballot in the bloc's group."},
	"ballot.turnout":       {VI: "<b>Đã bỏ phiếu: {n}/{of} đơn vị</b>", EN: "<b>Voted: {n} of {of} units</b>"},
	"ballot.waiting_for":   {VI: "⏳ Chưa bỏ phiếu: {list}", EN: "⏳ Still to vote: {list}"},
	"ballot.and_more":      {VI: "và {n} đơn vị khác", EN: "and {n} more"},
	"ballot.time_left":     {VI: "⏰ Còn {left} (đóng lúc {when}).", EN: "⏰ {left} left (closes at {when})."},
	"ballot.unit_days":     {VI: "ngày", EN: "d"},
	"ballot.unit_hours":    {VI: "giờ", EN: "h"},
	"ballot.unit_minutes":  {VI: "phút", EN: "min"},

	"ballot.usage": {
		VI: "Cách dùng: <code>/baucu truong</code> hoặc <code>/baucu pho</code>, có thể thêm <code>congkhai</code>, năm được bầu (năm nay hoặc năm sau) và hạn chót, ví dụ:\n<code>/baucu truong 17:00</code>\n<code>/baucu pho congkhai 2h</code>\n<code>/baucu truong nam 2025 05/02 17:00</code>",
		EN: "Usage: <code>/elect chair</code> or <code>/elect deputy</code>, optionally <code>open</code>, the year it elects for (this year or the next) and a deadline, e.g.:\n<code>/elect chair 17:00</code>\n<code>/elect deputy open 2h</code>\n<code>/elect chair for 2025 05/02 17:00</code>",
	},
	"ballot.deadline_bad": {
		VI: "Không hiểu hạn chót. Ví dụ: <code>2h</code>, <code>30p</code>, <code>17:00</code>, <code>05/02 17:00</code>, <code>05/02/2025</code>.",
		EN: "I could not read the deadline. Examples: <code>2h</code>, <code>30m</code>, <code>17:00</code>, <code>05/02 17:00</code>, <code>05/02/2025</code>.",
	},
	"ballot.deadline_past": {VI: "Hạn chót đã qua (hoặc còn dưới 1 phút). Hãy chọn một thời điểm sau này.", EN: "That deadline has passed (or is less than a minute away). Please choose a later time."},
	"ballot.deadline_far":  {VI: "Hạn chót quá xa (tối đa 92 ngày).", EN: "That deadline is too far away (at most 92 days)."},
	"ballot.choose_position": {
		VI: "Mở bầu cử năm {year}: chọn chức danh cần bầu.",
		EN: "Open an election for {year}: choose the position.",
	},
	"ballot.elect_chair":     {VI: "⭐ Bầu Khối trưởng", EN: "⭐ Elect the chair"},
	"ballot.elect_deputy":    {VI: "☆ Bầu Khối phó", EN: "☆ Elect the deputy"},
	"ballot.choose_deadline": {VI: "Bầu {position}: khi nào đóng phiếu?", EN: "Electing the {position}: when does voting close?"},
	"ballot.dl_1h":           {VI: "Sau 1 giờ", EN: "In 1 hour"},
	"ballot.dl_1d":           {VI: "Sau 1 ngày", EN: "In 1 day"},
	"ballot.dl_3d":           {VI: "Sau 3 ngày", EN: "In 3 days"},
	"ballot.dl_none":         {VI: "Không hạn (đóng thủ công)", EN: "No deadline (close by hand)"},
	"ballot.dl_other":        {VI: "Nhập hạn khác…", EN: "Another deadline…"},
	"ballot.ask_deadline": {
		VI: "Nhập hạn chót (trả lời tin nhắn này), ví dụ <code>17:00</code>, <code>05/02 17:00</code> hoặc <code>2h</code>. Có thể thêm <code>congkhai</code> để bỏ phiếu công khai.",
		EN: "Type the deadline (reply to this message), e.g. <code>17:00</code>, <code>05/02 17:00</code> or <code>2h</code>. Add <code>open</code> for an open ballot.",
	},
	"ballot.ask_deadline_placeholder": {VI: "17:00 hoặc 05/02 17:00", EN: "17:00 or 05/02 17:00"},
	"ballot.opening":                  {VI: "Đang mở cuộc bầu {position}…", EN: "Opening the {position} ballot…"},
	"ballot.already_open": {
		VI: "Cuộc bầu {position} số {id} đang mở. Xem bằng /phieubau; đóng bằng /dongphieu trước khi mở cuộc mới.",
		EN: "The {position} ballot no. {id} is open. See it with /ballot; close it with /closevote before opening another.",
	},
	"ballot.chair_first": {
		VI: "Cuộc bầu Khối trưởng đang mở. Hãy đóng phiếu (/dongphieu) trước: cuộc bầu Khối phó sẽ loại đơn vị vừa trúng cử Khối trưởng.",
		EN: "The chair ballot is still open. Close it first (/closevote): the deputy ballot leaves out the unit elected chair.",
	},
	"ballot.year_range": {
		VI: "Chỉ bầu được cho năm nay ({year}) hoặc năm sau ({next}), ví dụ <code>/baucu truong nam {next}</code>.",
		EN: "A ballot elects for this year ({year}) or the next ({next}), e.g. <code>/elect chair for {next}</code>.",
	},
	"ballot.deputy_open": {
		VI: "Cuộc bầu Khối phó đang mở. Hãy đóng phiếu (/dongphieu pho) trước khi bầu Khối trưởng: nếu không, đơn vị trúng cử Khối trưởng vẫn là ứng viên Khối phó.",
		EN: "The deputy ballot is still open. Close it (/closevote deputy) before electing the chair: otherwise the unit elected chair would still be a deputy candidate.",
	},
	"ballot.too_few": {VI: "Cần ít nhất 2 đơn vị ứng cử. Thêm đơn vị bằng /themdonvi.", EN: "At least 2 candidate units are needed. Add units with /addunit."},

	"ballot.voted": {
		VI: "✅ Đã ghi nhận phiếu: {unit} → {candidate}. Có thể đổi đến khi đóng phiếu.",
		EN: "✅ Recorded: {unit} → {candidate}. You can change it until the ballot closes.",
	},
	"ballot.voted_changed": {VI: "🔄 Đã đổi phiếu: {unit} → {candidate}.", EN: "🔄 Changed: {unit} → {candidate}."},
	"ballot.voted_same":    {VI: "Phiếu của {unit} vẫn là: {candidate}.", EN: "{unit}'s ballot is already: {candidate}."},
	"ballot.voted_replay":  {VI: "✅ Phiếu của {unit} đã được ghi nhận.", EN: "✅ {unit}'s ballot is recorded."},
	"ballot.not_member": {
		VI: "Bạn chưa đại diện đơn vị nào nên chưa bỏ phiếu được. Gõ /thamgia để chọn đơn vị của mình.",
		EN: "You don't represent a unit, so you cannot vote. Type /join to choose your unit.",
	},
	"ballot.not_eligible": {VI: "Đơn vị của bạn không có trong danh sách bỏ phiếu của cuộc bầu này (được thêm sau khi mở phiếu).", EN: "Your unit is not on this ballot's list of voters (it was added after the ballot opened)."},
	"ballot.self_refused": {VI: "Theo quy tắc của khối, đơn vị không được bầu cho chính mình.", EN: "By the bloc's rules, a unit may not vote for itself."},
	"ballot.closed_press": {VI: "Cuộc bầu này đã đóng; phiếu không được ghi nhận.", EN: "This ballot is closed; the vote was not recorded."},

	"ballot.none_open":   {VI: "Hiện không có cuộc bầu nào đang mở.", EN: "No ballot is open."},
	"ballot.how_to_open": {VI: "Quản trị viên mở cuộc bầu bằng <code>/baucu truong</code> hoặc <code>/baucu pho</code>.", EN: "A manager opens one with <code>/elect chair</code> or <code>/elect deputy</code>."},
	"ballot.last_elected": {
		VI: "Cuộc bầu gần nhất: <b>{unit}</b> trúng cử {position} năm {year} ({when}). Mã xác nhận: <code>{head}</code>",
		EN: "Latest ballot: <b>{unit}</b> elected {position} for {year} ({when}). Receipt: <code>{head}</code>",
	},
	"ballot.last_other": {
		VI: "Cuộc bầu {position} năm {year} gần nhất đóng lúc {when}, chưa có kết quả trúng cử. Mã xác nhận: <code>{head}</code>",
		EN: "The latest {position} ballot for {year} closed at {when} without a winner. Receipt: <code>{head}</code>",
	},
	"ballot.close_usage":    {VI: "Cách dùng: <code>/dongphieu</code>, hoặc <code>/dongphieu truong</code> / <code>/dongphieu pho</code>.", EN: "Usage: <code>/closevote</code>, or <code>/closevote chair</code> / <code>/closevote deputy</code>."},
	"ballot.close_which":    {VI: "Đang mở nhiều cuộc bầu. Đóng cuộc nào?", EN: "Several ballots are open. Which one closes?"},
	"ballot.close_button":   {VI: "🔒 Đóng bầu {position}", EN: "🔒 Close the {position} ballot"},
	"ballot.already_closed": {VI: "Cuộc bầu này đã được đóng trước đó; kết quả đã công bố.", EN: "This ballot was already closed; its result was announced."},

	"ballot.result_title":       {VI: "📊 <b>Kết quả bầu {position} năm {year}</b> (cuộc bầu số {id})", EN: "📊 <b>Result: bloc {position} for {year}</b> (ballot no. {id})"},
	"ballot.closed_at":          {VI: "Đóng phiếu lúc {when} ({how}).", EN: "Closed at {when} ({how})."},
	"ballot.closed_by_manager":  {VI: "quản trị viên đóng", EN: "closed by a manager"},
	"ballot.closed_by_deadline": {VI: "đến hạn chót", EN: "at the deadline"},
	"ballot.result_turnout":     {VI: "Tham gia: <b>{n}/{of}</b> đơn vị (cần {need}) — {quorum}.", EN: "Turnout: <b>{n} of {of}</b> units (needed {need}) — {quorum}."},
	"ballot.quorum_met":         {VI: "hợp lệ", EN: "quorum met"},
	"ballot.quorum_missed":      {VI: "không đủ số đơn vị tham gia", EN: "quorum not met"},
	"ballot.votes":              {VI: "{n} phiếu", EN: "{n} vote(s)"},
	"ballot.elected": {
		VI: "🏆 <b>{unit}</b> trúng cử {position} năm {year} ({n}/{cast} phiếu).",
		EN: "🏆 <b>{unit}</b> is elected bloc {position} for {year} ({n} of {cast} votes).",
	},
	"ballot.handover":       {VI: "🔁 Bàn giao {position}: {old} → <b>{new}</b>.", EN: "🔁 Handover of the {position}: {old} → <b>{new}</b>."},
	"ballot.continues":      {VI: "🔁 {unit} tiếp tục làm {position}.", EN: "🔁 {unit} continues as {position}."},
	"ballot.deputy_cleared": {VI: "ℹ️ {unit} thôi làm Khối phó năm {year}; cần bầu Khối phó mới (/baucu pho).", EN: "ℹ️ {unit} is no longer the {year} deputy; a new deputy needs electing (/elect deputy)."},
	"ballot.runoff_tie":     {VI: "⚖️ Hòa phiếu giữa {list}.", EN: "⚖️ A tie between {list}."},
	"ballot.runoff_majority": {
		VI: "⚖️ Chưa đơn vị nào đạt đa số. Bầu lại giữa {list}.",
		EN: "⚖️ No unit has a majority. Runoff between {list}.",
	},
	"ballot.runoff_below": {VI: "Phiếu bầu vòng {round} mở ngay bên dưới.", EN: "The round {round} ballot opens below."},
	"ballot.no_quorum": {
		VI: "❗ Không đủ số đơn vị tham gia nên cuộc bầu không có kết quả. Quản trị viên có thể mở lại (/baucu).",
		EN: "❗ Too few units voted, so the ballot has no result. A manager may open a new one (/elect).",
	},
	"ballot.undecided": {
		VI: "❗ Sau {rounds} vòng vẫn chưa có đơn vị đạt đa số ({list}). Hội nghị quyết định; quản trị viên có thể mở cuộc bầu mới.",
		EN: "❗ After {rounds} round(s) no unit has a majority ({list}). The conference decides; a manager may open a new ballot.",
	},
	"ballot.open_choices": {VI: "<b>Phiếu bầu công khai</b> (đơn vị → đơn vị được chọn):", EN: "<b>Open ballot</b> (unit → choice):"},
	"ballot.receipt": {
		VI: "🔐 Mã xác nhận (đầu chuỗi nhật ký): <code>{head}</code>\nKiểm tra bằng <code>/lichsu</code> và <code>/lichsu kiemtra</code>.",
		EN: "🔐 Receipt (audit chain head): <code>{head}</code>\nCheck it with <code>/history</code> and <code>/history verify</code>.",
	},
	"ballot.closed_note": {
		VI: "🔒 <b>Đã đóng phiếu</b> lúc {when}: {n}/{of} đơn vị đã bỏ phiếu. Kết quả ở tin nhắn bên dưới.",
		EN: "🔒 <b>Closed</b> at {when}: {n} of {of} units voted. The result is in the message below.",
	},

	"ballot.settings": {
		VI: "⚙️ <b>Quy tắc bầu cử của khối</b> (áp dụng cho các cuộc bầu mở từ nay):\n• Thể thức: {mode}\n• Hợp lệ khi {quorum} số đơn vị bỏ phiếu (hiện cần {need}/{eligible})\n• Trúng cử: nhiều phiếu nhất và {majority} số phiếu bầu\n• Hòa hoặc không đạt đa số: bầu lại giữa các đơn vị dẫn đầu (tối đa {rounds} vòng)\n• {self}",
		EN: "⚙️ <b>The bloc's ballot rules</b> (for ballots opened from now on):\n• Mode: {mode}\n• Valid when {quorum} of the units vote (now {need} of {eligible})\n• Winner: the most votes and {majority} of the votes cast\n• Tie or no majority: a runoff between the leaders (at most {rounds} round(s) in all)\n• {self}",
	},
	"ballot.settings_bad_rounds": {
		VI: "Số vòng phải từ 1 đến {max}, ví dụ <code>/quytacbau vong 5</code>.",
		EN: "The rounds must be from 1 to {max}, e.g. <code>/ballotrules rounds 5</code>.",
	},
	"ballot.settings_usage": {
		VI: "Quản trị viên đổi quy tắc:\n<code>/quytacbau tucso 2/3</code> (hơn 2/3; <code>&gt;=2/3</code>: ít nhất 2/3)\n<code>/quytacbau daso &gt;=2/3</code>\n<code>/quytacbau tubau khong</code>\n<code>/quytacbau thethuc congkhai</code>\n<code>/quytacbau vong 5</code> (số vòng tối đa, kể cả bầu lại)",
		EN: "A manager changes them:\n<code>/ballotrules quorum 2/3</code> (more than 2/3; <code>&gt;=2/3</code>: at least 2/3)\n<code>/ballotrules majority &gt;=2/3</code>\n<code>/ballotrules self no</code>\n<code>/ballotrules mode open</code>\n<code>/ballotrules rounds 5</code> (the most rounds, runoffs included)",
	},
	"ballot.settings_bad_share": {
		VI: "Không hiểu tỷ lệ. Ví dụ: <code>1/2</code> (quá bán), <code>&gt;=2/3</code> (ít nhất 2/3), <code>60%</code>.",
		EN: "I could not read that share. Examples: <code>1/2</code> (more than half), <code>&gt;=2/3</code> (at least two thirds), <code>60%</code>.",
	},
	"ballot.settings_saved": {VI: "✅ Đã lưu quy tắc bầu cử. Các cuộc bầu đang mở giữ quy tắc cũ.", EN: "✅ Ballot rules saved. Open ballots keep the rules they opened with."},

	// The ballot minutes sheet of /export.
	"minutes.sheet":        {VI: "Biên bản kiểm phiếu", EN: "Ballot minutes"},
	"minutes.ballot":       {VI: "Cuộc bầu", EN: "Ballot"},
	"minutes.position":     {VI: "Chức danh", EN: "Position"},
	"minutes.round":        {VI: "Vòng", EN: "Round"},
	"minutes.mode":         {VI: "Thể thức", EN: "Mode"},
	"minutes.opened":       {VI: "Mở phiếu", EN: "Opened"},
	"minutes.closed":       {VI: "Đóng phiếu", EN: "Closed"},
	"minutes.eligible":     {VI: "Số đơn vị", EN: "Units eligible"},
	"minutes.voting":       {VI: "Số đơn vị bỏ phiếu", EN: "Units voting"},
	"minutes.turnout":      {VI: "Tỷ lệ (%)", EN: "Turnout (%)"},
	"minutes.quorum":       {VI: "Hợp lệ", EN: "Quorum met"},
	"minutes.candidate":    {VI: "Đơn vị ứng cử", EN: "Candidate"},
	"minutes.votes":        {VI: "Số phiếu", EN: "Votes"},
	"minutes.result":       {VI: "Kết quả", EN: "Result"},
	"minutes.voting_units": {VI: "Các đơn vị đã bỏ phiếu", EN: "Units that voted"},
	"minutes.receipt":      {VI: "Mã xác nhận", EN: "Receipt"},
	"minutes.secret":       {VI: "Kín", EN: "Secret"},
	"minutes.open":         {VI: "Công khai", EN: "Open"},
	"minutes.yes":          {VI: "Có", EN: "Yes"},
	"minutes.no":           {VI: "Không", EN: "No"},
	"minutes.elected":      {VI: "Trúng cử: {unit}", EN: "Elected: {unit}"},
	"minutes.runoff":       {VI: "Bầu lại giữa: {list}", EN: "Runoff between: {list}"},
	"minutes.no_quorum":    {VI: "Không đủ số đơn vị tham gia", EN: "Quorum not met"},
	"minutes.undecided":    {VI: "Không có đơn vị đạt đa số: {list}", EN: "No majority: {list}"},

	// Audit entries (/history).
	"audit.ballot.open.chair":   {VI: "mở cuộc bầu Khối trưởng năm {year} (số {ballot})", EN: "ballot {ballot} opened: chair for {year}"},
	"audit.ballot.open.deputy":  {VI: "mở cuộc bầu Khối phó năm {year} (số {ballot})", EN: "ballot {ballot} opened: deputy for {year}"},
	"audit.ballot.vote":         {VI: "{unit} bỏ phiếu (cuộc bầu {ballot})", EN: "{unit} cast its ballot (ballot {ballot})"},
	"audit.ballot.elect.chair":  {VI: "đóng phiếu {ballot}: {candidate} trúng cử Khối trưởng ({cast}/{eligible} đơn vị bỏ phiếu)", EN: "ballot {ballot} closed: {candidate} elected chair ({cast} of {eligible} units voted)"},
	"audit.ballot.elect.deputy": {VI: "đóng phiếu {ballot}: {candidate} trúng cử Khối phó ({cast}/{eligible} đơn vị bỏ phiếu)", EN: "ballot {ballot} closed: {candidate} elected deputy ({cast} of {eligible} units voted)"},
	"audit.ballot.runoff":       {VI: "đóng phiếu {ballot}: chưa có đơn vị đạt đa số, bầu lại ({cast}/{eligible} đơn vị bỏ phiếu)", EN: "ballot {ballot} closed: no majority, runoff ({cast} of {eligible} units voted)"},
	"audit.ballot.fail":         {VI: "đóng phiếu {ballot}: không có kết quả ({cast}/{eligible} đơn vị bỏ phiếu)", EN: "ballot {ballot} closed without a result ({cast} of {eligible} units voted)"},
	"audit.ballot.rules":        {VI: "đổi quy tắc bầu cử (túc số {quorum}, đa số {majority}, thể thức {mode})", EN: "ballot rules changed (quorum {quorum}, majority {majority}, mode {mode})"},
}
