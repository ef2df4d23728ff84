package i18n

func init() { add(auditMessages) }

// auditMessages describe audit-log entries in /history. Keys are "audit." + the entry's kind.
var auditMessages = map[string]Msg{
	"audit.bloc.setup":      {VI: "thiết lập khối “{name}”", EN: "bloc set up as “{name}”"},
	"audit.bloc.rename":     {VI: "đổi tên khối thành “{name}”", EN: "bloc renamed to “{name}”"},
	"audit.bloc.set":        {VI: "đổi cài đặt {field} = {value}", EN: "setting {field} = {value}"},
	"audit.unit.add":        {VI: "thêm đơn vị", EN: "units added"},
	"audit.unit.rename":     {VI: "đổi tên đơn vị “{old}” thành “{new}”", EN: "unit “{old}” renamed to “{new}”"},
	"audit.unit.remove":     {VI: "xoá đơn vị “{name}” ({members} người thôi đại diện)", EN: "unit “{name}” removed ({members} people unlinked)"},
	"audit.member.unassign": {VI: "huỷ phân công {person} đại diện {unit}", EN: "{person} unassigned from {unit}"},
	"audit.member.link":     {VI: "{person} đại diện {unit}", EN: "{person} represents {unit}"},
	"audit.member.unlink":   {VI: "{person} rời {unit}", EN: "{person} left {unit}"},
	"audit.member.request":  {VI: "{person} xin tham gia {unit}", EN: "{person} asked to join {unit}"},
	"audit.member.reject":   {VI: "từ chối {person} tham gia {unit}", EN: "{person} refused for {unit}"},
}
