package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// ProcResult is the bot run as its own process (the binary main builds) on n stored blocs.
type ProcResult struct {
	Blocs    int
	Startups []time.Duration // exec → webhook registered (listening, setWebhook done)
	Startup  time.Duration   // median
	Updates  int             // served after start, covering every bloc
	RSS      int64           // VmRSS after serving them
	Peak     int64           // VmHWM
	Took     time.Duration
}

// ServeBlocs stores n blocs, starts the bot binary in webhook mode `starts` times (measuring
// each start-up), and in the last run sends a ballot press and a poll press in every bloc and a
// report in every fifth, then reads the process's memory.
func ServeBlocs(ctx context.Context, bin string, n, starts int) (ProcResult, error) {
	res := ProcResult{Blocs: n}
	t0 := time.Now()
	w, err := NewWorld(WorldOptions{Mode: "webhook"})
	if err != nil {
		return res, err
	}
	defer w.Close()
	if err := w.Seed(ctx, n, 48); err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "thiduabot-bench-proc-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "config.yaml")
	// The same lifted send limits as the in-process runs; the per-person limit as shipped.
	if err := os.WriteFile(cfgPath, []byte("limits:\n  group_per_minute: 1000000\n  global_per_second: 1000000\n  private_interval: 1ms\n"), 0o600); err != nil {
		return res, err
	}
	c := w.Config
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "THIDUABOT_CONFIG=" + cfgPath,
		"TELEGRAM_BOT_TOKEN=" + c.Telegram.Token.Value(), "TELEGRAM_API_URL=" + c.Telegram.APIURL, "REDIS_URL=" + c.Redis.URL,
		"BOT_MODE=webhook", "WEBHOOK_URL=" + c.Webhook.URL, "WEBHOOK_LISTEN=" + c.Webhook.Listen,
		"HTTP_LISTEN=off", "LOG_LEVEL=warn", "LOG_FORMAT=text"}
	for i := 0; i < starts; i++ {
		before := len(w.Sim.Calls("setWebhook"))
		cmd := exec.Command(bin)
		cmd.Env = env
		out, _ := os.Create(filepath.Join(dir, fmt.Sprintf("bot%d.log", i)))
		cmd.Stdout, cmd.Stderr = out, out
		start := time.Now()
		if err := cmd.Start(); err != nil {
			return res, err
		}
		err := w.Sim.WaitFor(30*time.Second, func() bool { return len(w.Sim.Calls("setWebhook")) > before })
		res.Startups = append(res.Startups, time.Since(start))
		if err == nil && i == starts-1 {
			err = w.serveAll(ctx, &res)
			if err == nil {
				res.RSS, res.Peak, err = rss(cmd.Process.Pid)
			}
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		out.Close()
		if err != nil {
			log, _ := os.ReadFile(out.Name())
			return res, fmt.Errorf("%w\n%s", err, tail(string(log), 2000))
		}
	}
	s := append([]time.Duration(nil), res.Startups...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	res.Startup = s[len(s)/2]
	res.Took = time.Since(t0)
	return res, nil
}

// serveAll presses a ballot and a poll button in every bloc and reports in every fifth, at
// most 256 in flight, then lets the debounced edits go out.
func (w *World) serveAll(ctx context.Context, res *ProcResult) error {
	l := newLoad(w, DefaultMix, 77)
	l.t = newTracker(w.Sim, 256)
	defer l.t.close()
	for i, g := range w.Groups {
		kinds := []Kind{Vote, Poll}
		if i%5 == 0 {
			kinds = append(kinds, Report)
		}
		for _, k := range kinds {
			<-l.t.free
			if err := l.oneIn(ctx, g, k, true); err != nil {
				return err
			}
			res.Updates++
		}
	}
	l.drain(60 * time.Second)
	if l.t.lost > 0 {
		return fmt.Errorf("%d of %d updates got no answer", l.t.lost, res.Updates)
	}
	time.Sleep(4 * time.Second) // the debounced edits (3s) go out on wall time
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
