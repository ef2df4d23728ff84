package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"thiduabot/clock"
	"thiduabot/domain"
	"thiduabot/rkeys"
	"thiduabot/store"
)

// BlocYearResult is Redis memory per bloc-year.
type BlocYearResult struct {
	Blocs        int
	BytesPerBloc float64
	Scripts      int // state changes made per bloc
	Took         time.Duration
	// ByKey is MEMORY USAGE of one bloc's keys, summed by kind (the key without the chat and
	// ids: "ach", "ach:u:*", "poll:*:votes", ...).
	ByKey map[string]int64
}

// yearBloc is one bloc being lived through a year.
type yearBloc struct {
	chat    int64
	units   []int
	members []domain.Person // members[i] represents units[i%7]
	upd     atomic.Int64
}

func (b *yearBloc) op(actor int64) store.Op {
	return store.Op{UpdateID: b.upd.Add(1), Actor: actor}
}

// BlocYear measures Redis memory per bloc-year: n blocs of 7 units (two people linked to
// each) each live one year through the store's scripts, with update ids as the bot gives
// them (so the dedupe records are kept and trimmed as in production) and the clock moving
// through the year: 500 reports, a chair and a deputy ballot (7 votes each, closed), the
// year's pledge signed by every unit, and 50 polls (14 presses each, closed). INFO
// used_memory after, minus before, divided by n.
func BlocYear(ctx context.Context, n int, redisArgs ...string) (BlocYearResult, error) {
	res := BlocYearResult{Blocs: n}
	r, err := StartRedis(redisArgs...)
	if err != nil {
		return res, err
	}
	defer r.Close()
	rdb := r.Client()
	defer rdb.Close()
	start := time.Date(2025, 1, 2, 1, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	st := store.New(rdb, clk)
	loc := blocLoc()
	before, err := UsedMemory(ctx, rdb)
	if err != nil {
		return res, err
	}
	t0 := time.Now()
	blocs := make([]*yearBloc, n)
	for i := range blocs {
		b := &yearBloc{chat: -1009000000000 - int64(i)}
		b.upd.Store(int64(i) * 1_000_000)
		blocs[i] = b
	}
	// The year as a list of steps; every bloc takes each step at the same (fake) time.
	type step func(b *yearBloc) error
	var steps []step
	steps = append(steps, func(b *yearBloc) error {
		if _, err := st.Setup(ctx, b.chat, b.op(1), "Khối thi đua các cơ quan Trung ương tỉnh", "vi", "Asia/Ho_Chi_Minh"); err != nil {
			return err
		}
		added, err := st.AddUnits(ctx, b.chat, b.op(1), unitNames)
		if err != nil {
			return err
		}
		for _, u := range added.Added {
			b.units = append(b.units, u.ID)
		}
		for j := 0; j < 2*len(b.units); j++ {
			p := domain.Person{ID: b.chat*-100 + int64(j), Name: fmt.Sprintf("Nguyễn Văn %d", j+1)}
			b.members = append(b.members, p)
			if _, err := st.Link(ctx, b.chat, b.op(1), p, b.units[j%len(b.units)], true); err != nil {
				return err
			}
		}
		return nil
	})
	steps = append(steps, func(b *yearBloc) error { // the pledge, signed by every unit
		year := clk.Now().In(loc).Year()
		pr, err := st.PostPledge(ctx, b.chat, b.op(1), year, domain.Person{ID: 1, Name: "Quản trị"}, domain.Pledge{
			Title: fmt.Sprintf("Giao ước thi đua năm %d", year),
			Commitments: []string{"Hoàn thành xuất sắc nhiệm vụ chính trị được giao.", "Đẩy mạnh cải cách hành chính, chuyển đổi số.",
				"Tham gia đầy đủ các phong trào thi đua của Khối.", "Ủng hộ Quỹ vì người nghèo của tỉnh."},
		})
		if err != nil {
			return err
		}
		for j := range b.units {
			if _, err := st.SignPledge(ctx, b.chat, b.op(b.members[j].ID), b.members[j], pr.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	reports, polls := 500, 50
	for i := 0; i < reports+polls; i++ {
		i := i
		if i%11 == 5 && i/11 < polls { // a poll every 11 steps
			steps = append(steps, func(b *yearBloc) error {
				card, _, err := st.OpenPoll(ctx, b.chat, b.op(b.members[0].ID), domain.PollSpec{Question: "Họp Khối vào ngày nào trong tuần tới?",
					Options: []string{"Thứ Hai", "Thứ Tư", "Thứ Sáu", "Tuần sau nữa"}}, b.members[0], "Asia/Ho_Chi_Minh")
				if err != nil {
					return err
				}
				for j, m := range b.members {
					if _, err := st.PollVote(ctx, b.chat, b.op(m.ID), card.ID, (i+j)%4); err != nil {
						return err
					}
				}
				_, err = st.ClosePoll(ctx, b.chat, b.op(b.members[0].ID), card.ID, true, "manager")
				return err
			})
			continue
		}
		steps = append(steps, func(b *yearBloc) error {
			j := i % len(b.members)
			rep, err := domain.ParseReport(fmt.Sprintf("Đơn vị đã tổ chức thành công hội nghị chuyên đề số %d về cải cách hành chính, thu hút 120 cán bộ tham gia, vượt 15%% chỉ tiêu #caicach", i+1))
			if err != nil {
				return err
			}
			_, err = st.Report(ctx, b.chat, b.op(b.members[j].ID), b.units[j%len(b.units)], b.members[j], loc, rep)
			return err
		})
	}
	for _, pos := range []domain.Position{domain.PosChair, domain.PosDeputy} {
		pos := pos
		steps = append(steps, func(b *yearBloc) error { // at the year-end conference
			year := clk.Now().In(loc).Year()
			ob, err := st.OpenBallot(ctx, b.chat, b.op(1), pos, year, "", time.Time{})
			if err != nil {
				return err
			}
			want := b.units[0]
			if pos == domain.PosDeputy {
				want = b.units[1]
			}
			for j, u := range b.units {
				cand := want
				if u == want {
					cand = b.units[(j+2)%len(b.units)]
				}
				if _, err := st.Vote(ctx, b.chat, b.op(b.members[j].ID), ob.Card.ID, cand); err != nil {
					return fmt.Errorf("vote: %w", err)
				}
			}
			_, err = st.CloseBallot(ctx, b.chat, b.op(1), ob.Card.ID, "manager")
			return err
		})
	}
	gap := 360 * 24 * time.Hour / time.Duration(len(steps))
	for k, s := range steps {
		clk.Set(start.Add(time.Duration(k) * gap))
		if err := parallel(n, 16, func(i int) error { return s(blocs[i]) }); err != nil {
			return res, fmt.Errorf("bloc-year step %d: %w", k, err)
		}
	}
	after, err := UsedMemory(ctx, rdb)
	if err != nil {
		return res, err
	}
	res.BytesPerBloc = float64(after-before) / float64(n)
	if res.ByKey, err = keyUsage(ctx, rdb, blocs[0].chat); err != nil {
		return res, err
	}
	res.Scripts = int(blocs[0].upd.Load())
	res.Took = time.Since(t0)
	return res, nil
}

// rss reads a process's resident set size (VmRSS) and its peak (VmHWM), in bytes.
func rss(pid int) (cur, peak int64, err error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if k == "VmRSS" {
			cur = kb * 1024
		} else {
			peak = kb * 1024
		}
	}
	return cur, peak, sc.Err()
}

// BuildBinary builds the bot (the module root's main package) into dir.
func BuildBinary(dir string) (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "thiduabot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	return bin, nil
}

// keyUsage sums MEMORY USAGE of a chat's keys by kind.
func keyUsage(ctx context.Context, rdb *redis.Client, chat int64) (map[string]int64, error) {
	prefix := string(rkeys.ForChat(chat))
	out := map[string]int64{}
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		n, err := rdb.MemoryUsage(ctx, k, 0).Result()
		if err != nil {
			return nil, err
		}
		parts := strings.Split(strings.TrimPrefix(k, prefix+":"), ":")
		for i, p := range parts {
			if _, err := strconv.Atoi(strings.ReplaceAll(p, ".", "")); err == nil {
				parts[i] = "*"
			}
		}
		out[strings.Join(parts, ":")] += n
	}
	return out, iter.Err()
}
