package app

import (
	"thiduabot/export"
	"thiduabot/handlers"
)

// wireFeatures registers every feature's commands, buttons, prompts and timers. Each feature
// adds its block here.
func (a *App) wireFeatures() {
	cfg := a.Config
	bloc := handlers.NewBloc(a.Store, a.Log, cfg.Bot.DefaultLanguage, cfg.Bot.Timezone)
	bloc.Register(a.Router)

	// Features register below, one block each.

	// Pledge (issue 5): /pledge (/giaouoc), /sign (/kyket) and the Sign button. It is also an
	// export.SheetSource (the "Giao ước" sheet) and has an OnDeadline hook for reminders. Its
	// message names the units: a unit renamed or removed redraws it.
	pledges := handlers.NewPledge(a.Store, a.Log)
	pledges.Register(a.Router)
	bloc.OnUnitsChanged = pledges.RedrawCurrent

	// Achievements (issue 3): /report (/baocao), /achievements (/thanhtich), /summary
	// (/tonghop), /categories (/linhvuc); and /export (/xuat), whose workbook is built from
	// exportSources in this order — features with sheets add their export.SheetSource here.
	achievements := handlers.NewAchievements(a.Store, a.Log)
	achievements.Register(a.Router)
	exportSources := []export.SheetSource{achievements.Sheets(), pledges, handlers.NewBallotMinutes(a.Store)}
	handlers.NewExport(exportSources, a.Log).Register(a.Router)

	// Ballots and polls (issue 4): /elect (/baucu), /ballot (/phieubau), /closevote (/dongphieu),
	// /ballotrules (/quytacbau), /poll (/thamdo), their buttons and their deadline timers
	// ("ballot.close", "poll.close"). The ballot minutes sheet is in exportSources above.
	ballots := handlers.NewBallots(a.Store, a.Timers, a.Runtime, a.Clock, a.Log)
	ballots.Register(a.Router)
	ballots.RegisterTimers(a.Mux)
	polls := handlers.NewPolls(a.Store, a.Timers, a.Runtime, a.Clock, a.Log)
	polls.Register(a.Router)
	polls.RegisterTimers(a.Mux)

	// Deadlines and reminders (issue 6): /deadline (/hanchot), /deadlines (/dshanchot), /remind
	// (/nhac), /cancel (/huy), their timers ("deadline.remind", "deadline.passed",
	// "remind.once"), the pledge's sign-by reminders (pledges.OnDeadline) and the recurring
	// reminders of the config ("cron.plan", "cron.send"). See app/deadlines.go.
	deadlines := a.wireDeadlines(pledges)
	ballots.OnDeadline = deadlines.OnBallotDeadline

	// Privacy (issue 8): /forget_me (/xoadulieu) deletes a person's links, names and pending
	// join requests in every bloc, and says what the audit log keeps.
	handlers.NewPrivacy(a.Store, a.Log).Register(a.Router)
}
