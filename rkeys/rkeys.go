// Package rkeys builds every Redis key the program uses. Nothing else spells a key.
//
// State that belongs to one chat (a bloc and everything in it) lives under the hash tag
// {c:<chat id>}, so a chat's keys share one Redis Cluster slot and one Lua script can change
// them together. Timers are spread over a fixed number of shards, each its own hash tag.
package rkeys

import (
	"strconv"
)

// Chat is the key prefix of one chat's state.
type Chat string

// ForChat returns the key builder for a chat.
func ForChat(chatID int64) Chat { return Chat("{c:" + strconv.FormatInt(chatID, 10) + "}") }

func (c Chat) k(s string) string { return string(c) + ":" + s }

// Bloc is a hash: name, lang, tz, year, created, and per-year chair/deputy.
func (c Chat) Bloc() string { return c.k("bloc") }

// Units is a hash: unit id -> unit name.
func (c Chat) Units() string { return c.k("units") }

// UnitNames is a hash: folded unit name -> unit id (uniqueness).
func (c Chat) UnitNames() string { return c.k("unames") }

// Members is a hash: user id -> unit id.
func (c Chat) Members() string { return c.k("members") }

// People is a hash: user id -> display name (the last one seen).
func (c Chat) People() string { return c.k("people") }

// JoinRequests is a hash: request id -> JSON of a pending join request.
func (c Chat) JoinRequests() string { return c.k("joinreq") }

// Seen is a hash: idempotency key (update id) -> the result of the change it made, the dedupe
// record of state-changing updates. It is the current generation of two: its fields "_t" (when
// it started, unix ms) and "_n" (how many results it holds) say when it is due to become
// SeenOld (an hour, or 2,500 results), so each update is kept for at least an hour.
func (c Chat) Seen() string { return c.k("seen") }

// SeenOld is the previous generation of Seen (renamed from it), still consulted for replays.
func (c Chat) SeenOld() string { return c.k("seen:old") }

// Audit is a list of hash-chained audit entries, oldest first: "<first 8 hex of the entry's
// hash> <body>", the body "<unix ms> <kind> <actor> <data as JSON>". An entry's hash is
// sha1(previous entry's hash + "\n" + body); the newest one, in full, is the bloc's audit_head.
func (c Chat) Audit() string { return c.k("audit") }

// Counter is a hash of id sequences (unit, joinreq, ballot, poll, ...).
func (c Chat) Counter() string { return c.k("seq") }

// Admins caches the chat's administrators (a string, JSON, with a short TTL).
func (c Chat) Admins() string { return c.k("admins") }

// Moved holds the new chat id of a group that became a supergroup.
func (c Chat) Moved() string { return c.k("moved") }

// Prompt holds what a ForceReply prompt (bot message id) is waiting for.
func (c Chat) Prompt(messageID int) string { return c.k("prompt:" + strconv.Itoa(messageID)) }

// PromptAsked marks a bot message that was a ForceReply prompt, longer than the prompt itself
// waits: a late answer is told the question expired.
func (c Chat) PromptAsked(messageID int) string { return c.k("asked:" + strconv.Itoa(messageID)) }

// Sub builds a feature's key inside the chat's slot, e.g. Sub("ballot", "3") -> {c:1}:ballot:3.
func (c Chat) Sub(parts ...string) string {
	s := string(c)
	for _, p := range parts {
		s += ":" + p
	}
	return s
}

// Offset is the getUpdates offset: the next update id to ask for.
const Offset = "tg:offset"

// PollerLease is the lease that lets one replica long-poll at a time.
const PollerLease = "tg:poller"

// UserBlocs is a set of the chat ids of the blocs a person is linked in (for private chats).
func UserBlocs(userID int64) string { return "{u:" + strconv.FormatInt(userID, 10) + "}:blocs" }

// BlocIndex is a set of the chat ids of every bloc (for recurring reminders to all blocs).
const BlocIndex = "blocs"

// TimerShard is the key prefix of one timer shard.
type TimerShard string

// ForTimerShard returns the key builder of timer shard n.
func ForTimerShard(n int) TimerShard { return TimerShard("{t:" + strconv.Itoa(n) + "}") }

// Due is a sorted set: timer id -> due time (unix milliseconds).
func (t TimerShard) Due() string { return string(t) + ":due" }

// Data is a hash: timer id -> the timer's JSON.
func (t TimerShard) Data() string { return string(t) + ":data" }

// Leased is a sorted set: timer id -> lease expiry (unix milliseconds) of claimed timers.
func (t TimerShard) Leased() string { return string(t) + ":leased" }

// Owner is a hash: timer id -> token of the running scheduler that holds its lease (set while
// the id is in Leased); acks, retries and lease renewals only take effect for the holder.
func (t TimerShard) Owner() string { return string(t) + ":owner" }

// Done is a sorted set: timer id -> time it fired (unix milliseconds), trimmed; it makes
// scheduling an already-fired id a no-op.
func (t TimerShard) Done() string { return string(t) + ":done" }

// RateBucket is a per-window counter of the shared outgoing-message limiter.
func RateBucket(scope string, window int64) string {
	return "{r:" + scope + "}:" + strconv.FormatInt(window, 10)
}

// Ballot is a hash: one ballot's rules, state, candidates, group message, the units' ballots
// ("v:<unit>") and, once closed, its result. Ballot ids are "<n>" for a first round and
// "<n>.<round>" for its runoffs.
func (c Chat) Ballot(id string) string { return c.k("ballot:" + id) }

// BallotVotes is a hash: unit id -> candidate unit id, the ballot of each unit while the ballot
// is open (so a unit can change it), for ballots opened before the units' ballots became
// fields of the ballot's own hash (store/ballot.go). A secret ballot's is deleted when it
// closes.
func (c Chat) BallotVotes(id string) string { return c.k("ballot:" + id + ":votes") }

// BallotsOpen is a hash: position (chair, deputy) -> id of its open ballot.
func (c Chat) BallotsOpen() string { return c.k("ballots:open") }

// Ballots is a sorted set of every ballot id, scored by opening time (unix ms).
func (c Chat) Ballots() string { return c.k("ballots") }

// Poll is a hash: one open quick poll's question, options, counts, state and group message.
// It is deleted when the poll closes (its result goes to ClosedPolls).
func (c Chat) Poll(id string) string { return c.k("poll:" + id) }

// PollVotes is a hash: person id -> that person's choices (",0,2,"), while the poll is open.
func (c Chat) PollVotes(id string) string { return c.k("poll:" + id + ":votes") }

// ClosedPolls is a list: element n-1 is the result of closed poll n (its card, counts, group
// message and closing), "" while poll n is open, never was, or was closed longer ago than
// the polls are kept.
func (c Chat) ClosedPolls() string { return c.k("polls") }

// ClosedPollsOrder is a list of "<closed unix ms>:<poll id>", in closing order: the polls
// whose results are still kept, oldest first, for dropping them when they are due.
func (c Chat) ClosedPollsOrder() string { return c.k("polls:q") }

// Achievements is a list: element n-1 is report n (ids are the list's positions, so id order
// is time order), "<unix ms>\x1f<unit>\x1f<categories, comma-separated>\x1f<reporter id>\x1f
// <year>\x1f[<file id>\x1f<file kind>\x1f<file name>\x1f]<text>" (the text in a compact form of
// Vietnamese, store/vntext.go); an undone report stays,
// marked with a leading "x", so later positions and the time order stay. The audit log's
// entry of a report refers to its record, which is part of the hash chain.
func (c Chat) Achievements() string { return c.k("ach") }

// AchievementsUndone is a sorted set of the ids of undone reports (score: the id), for
// counting the reports left in a range of ids.
func (c Chat) AchievementsUndone() string { return c.k("ach:x") }

// AchievementsOfUnit is a list of the ids of one unit's reports (not undone), oldest first.
func (c Chat) AchievementsOfUnit(unitID int) string { return c.k("ach:u:" + strconv.Itoa(unitID)) }

// AchievementCounts is a hash: "<year>|<unit>|<category>" and "<year>|<unit>|*" -> number of
// reports, kept by the report and undo scripts for /summary.
func (c Chat) AchievementCounts() string { return c.k("ach:n") }

// Categories is a hash of the bloc's own achievement categories: "k:<tag>" -> name, and
// "a:<folded tag or name>" -> tag (lookup while reporting).
func (c Chat) Categories() string { return c.k("ach:cats") }

// ReportRate is a hash of the chat's recent reports: person id -> "<unix ms>:<hash>:<id>,...",
// for each person's rate limit and for spotting a report sent twice (expires with the window).
func (c Chat) ReportRate() string { return c.k("ach:rl") }

// ReportDraft holds a report typed in a private chat while its author picks the bloc (a
// string, JSON, with a TTL); the chat is the private chat.
func (c Chat) ReportDraft(id int) string { return c.k("ach:draft:" + strconv.Itoa(id)) }

// WebhookSecret is the webhook's secret token, generated once and shared by every replica
// (set with SETNX, so concurrent starts agree on one).
const WebhookSecret = "tg:webhook_secret"

// Handled marks one update of the chat as being handled (a claim token) or handled ("done")
// by some replica, with a TTL, so a duplicate webhook delivery does not repeat the replies.
func (c Chat) Handled(updateID int64) string {
	return c.k("upd:" + strconv.FormatInt(updateID, 10))
}

// ActionRate counts one person's actions (commands, button presses) in one window, for the
// per-person rate limit. window is the window's number (unix time / window length).
func ActionRate(personID, window int64) string {
	return "{a:" + strconv.FormatInt(personID, 10) + "}:" + strconv.FormatInt(window, 10)
}

// Deadlines is a hash: deadline or reminder id -> its JSON (deadlines, /remind reminders and the
// reminders of tied deadlines such as "p2024" for the pledge's sign-by date).
func (c Chat) Deadlines() string { return c.k("dl") }

// DeadlinesByTime is a sorted set: id of a pending deadline or reminder -> its time (unix ms).
func (c Chat) DeadlinesByTime() string { return c.k("dl:t") }

// SendRate is the shared limiter's sorted set of the chat's recent messages: "f:<token>" while
// a message is in flight, "d:<token>" once answered, scored by the time (µs) until which it
// counts against the chat's limit.
func (c Chat) SendRate() string { return c.k("rate") }

// SendPause is the time (µs) until which sends to the chat wait after a 429.
func (c Chat) SendPause() string { return c.k("rate:pause") }

// RateGlobal is the shared limiter's theoretical arrival time of the next message overall (µs).
const RateGlobal = "{r:global}:tat"

// RateGlobalFlight is the shared limiter's sorted set of recent messages overall, as SendRate.
const RateGlobalFlight = "{r:global}:flight"

// RateGlobalInteractive is set (briefly) while an interactive message waits for a place, so
// bulk messages of every replica step aside.
const RateGlobalInteractive = "{r:global}:interactive"

// RateGlobalPause is the time (µs) until which every send waits after a global 429.
const RateGlobalPause = "{r:global}:pause"

// Durable is a stamp (unix ms) written right before WAIT after a critical change of the chat,
// so that WAIT covers the change even when the script that made it was a replay.
func (c Chat) Durable() string { return c.k("durable") }
