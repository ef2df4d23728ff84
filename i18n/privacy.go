package i18n

func init() { add(privacyMessages) }

// privacyMessages are /forget_me's (/xoadulieu).
var privacyMessages = map[string]Msg{
	"cmd.forget_me": {VI: "Xoá dữ liệu cá nhân của bạn mà bot lưu", EN: "Delete the personal data the bot keeps about you"},
	"privacy.ask": {
		VI: "🗑 <b>Xoá dữ liệu cá nhân</b>\n" +
			"Bot sẽ xoá: liên kết của bạn với đơn vị ở mọi khối, tên và tên người dùng Telegram mà bot đã lưu, các yêu cầu tham gia đang chờ duyệt.\n\n" +
			"Bot giữ lại: nhật ký hoạt động của các khối và hồ sơ của đơn vị (báo cáo thành tích, chữ ký giao ước, phiếu bầu của đơn vị). " +
			"Nhật ký được nối chuỗi bằng mã băm: xoá một mục sẽ phá vỡ bằng chứng rằng không ai sửa hồ sơ, nên các mục cũ vẫn giữ mã số Telegram của bạn.\n\n" +
			"Bạn có chắc muốn xoá?",
		EN: "🗑 <b>Delete your personal data</b>\n" +
			"The bot will delete: your links to units in every bloc, the name and Telegram username it stored for you, and your pending join requests.\n\n" +
			"The bot keeps: the blocs' audit logs and your unit's records (achievement reports, pledge signatures, your unit's ballots). " +
			"The audit log is hash-chained: removing an entry would break the proof that no record was altered, so past entries keep your numeric Telegram id.\n\n" +
			"Are you sure?",
	},
	"privacy.confirm":    {VI: "🗑 Xoá dữ liệu của tôi", EN: "🗑 Delete my data"},
	"privacy.cancel":     {VI: "Huỷ", EN: "Cancel"},
	"privacy.cancelled":  {VI: "Đã huỷ. Dữ liệu của bạn vẫn giữ nguyên.", EN: "Cancelled. Your data is unchanged."},
	"privacy.not_yours":  {VI: "Nút này chỉ dành cho người đã gõ lệnh.", EN: "This button is only for the person who typed the command."},
	"privacy.done_short": {VI: "Đã xoá dữ liệu của bạn.", EN: "Your data was deleted."},
	"privacy.done": {
		VI: "✅ Đã xoá dữ liệu cá nhân: liên kết với đơn vị ở {links} khối, {requests} yêu cầu tham gia đang chờ; tổng cộng dữ liệu ở {blocs} khối.\n" +
			"Vẫn giữ: nhật ký hoạt động (nối chuỗi bằng mã băm, không xoá được một mục mà không phá vỡ chuỗi) và hồ sơ của đơn vị; các mục này ghi mã số Telegram {id} của bạn.",
		EN: "✅ Personal data deleted: links to units in {links} blocs, {requests} pending join requests; data in {blocs} blocs in all.\n" +
			"Kept: the audit log (hash-chained: one entry cannot be removed without breaking the chain) and your unit's records; these show your Telegram id {id}.",
	},
	"audit.person.forget": {VI: "{person} đã xoá dữ liệu cá nhân", EN: "{person} deleted their personal data"},
}
