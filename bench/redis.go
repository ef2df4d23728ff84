// Package bench measures the whole bot against its physical limits: a real redis-server, the
// Telegram simulator and the app exactly as main builds it (webhook or long polling). The
// command is `go run ./cmd/bench`; BENCHMARKS.md ("Performance (issue 9)") records its numbers.
package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a redis-server process started for one measurement, on a free loopback port in a
// temporary directory, without persistence (as internal/redistest, which needs a testing.T).
type Redis struct {
	Addr string
	Dir  string
	cmd  *exec.Cmd
}

// SetNice gives every thread of the server the niceness nice (-20 to 19; lower runs first;
// Linux keeps one per thread). A lower one than the bench's own needs root, CAP_SYS_NICE or
// RLIMIT_NICE. The benchmark gives redis-server about the CPU priority over the bot that the
// shipped systemd drop-in gives it (deploy/redis-server.service.d: CPUWeight=1000 against the
// bot's default 100); the two are alike, not the same (niceness weighs threads, CPUWeight
// cgroups).
func (r *Redis) SetNice(nice int) error {
	pid := r.cmd.Process.Pid
	tids := []int{pid}
	if ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task"); err == nil {
		tids = tids[:0]
		for _, e := range ents {
			if tid, err := strconv.Atoi(e.Name()); err == nil {
				tids = append(tids, tid)
			}
		}
	}
	for _, tid := range tids {
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, nice); err != nil {
			return fmt.Errorf("redis-server niceness %d: %w (a lower one than the bench's needs root, CAP_SYS_NICE or RLIMIT_NICE)", nice, err)
		}
	}
	return nil
}

// Pid is the server's process id.
func (r *Redis) Pid() int { return r.cmd.Process.Pid }

// StartRedis runs redis-server (it must be on PATH: apt-get install -y redis-server), with
// extra arguments (settings, e.g. "--hash-max-listpack-entries", "512").
func StartRedis(extra ...string) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found: install it with `apt-get install -y redis-server`")
	}
	dir, err := os.MkdirTemp("", "thiduabot-bench-redis-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Addr: "127.0.0.1:" + strconv.Itoa(port), Dir: dir}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	r.cmd = exec.Command(bin, args...)
	r.cmd.Dir = dir
	// The server dies with the bench, even a killed one: a server left behind would keep its
	// port, its temporary directory and (with -redis-weight) its CPU group.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			r.Close()
			return nil, fmt.Errorf("redis-server did not answer on %s", r.Addr)
		}
		time.Sleep(20 * time.Millisecond) // waiting for a process to come up, bounded
	}
	return r, nil
}

// URL is the server as a REDIS_URL.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// Client returns a new client of the server (the caller closes it).
func (r *Redis) Client() *redis.Client { return redis.NewClient(&redis.Options{Addr: r.Addr}) }

// Close kills the server and removes its directory.
func (r *Redis) Close() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
	_ = os.RemoveAll(r.Dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// info reads one INFO section as key → value.
func info(ctx context.Context, rdb redis.UniversalClient, section string) (map[string]string, error) {
	s, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			out[k] = v
		}
	}
	return out, nil
}

// UsedMemory is INFO memory's used_memory, in bytes.
func UsedMemory(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	m, err := info(ctx, rdb, "memory")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(m["used_memory"], 10, 64)
}

// CmdStat is one command's line of INFO commandstats.
type CmdStat struct {
	Calls int64
	Usec  int64 // time Redis spent in it (a script's includes its commands')
}

// CommandStats is INFO commandstats: calls and time per command (commands run by scripts
// included, counted under their own names too).
func CommandStats(ctx context.Context, rdb redis.UniversalClient) (map[string]CmdStat, error) {
	m, err := info(ctx, rdb, "commandstats")
	if err != nil {
		return nil, err
	}
	out := map[string]CmdStat{}
	for k, v := range m {
		name, ok := strings.CutPrefix(k, "cmdstat_")
		if !ok {
			continue
		}
		var st CmdStat
		for _, f := range strings.Split(v, ",") {
			key, val, _ := strings.Cut(f, "=")
			n, _ := strconv.ParseInt(val, 10, 64)
			switch key {
			case "calls":
				st.Calls = n
			case "usec":
				st.Usec = n
			}
		}
		out[name] = st
	}
	return out, nil
}

// diffStats is after − before, without the commands that did not change.
func diffStats(before, after map[string]CmdStat) map[string]CmdStat {
	out := map[string]CmdStat{}
	for k, v := range after {
		if d := (CmdStat{v.Calls - before[k].Calls, v.Usec - before[k].Usec}); d.Calls != 0 {
			out[k] = d
		}
	}
	return out
}
