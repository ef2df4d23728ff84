package bench

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCPUGroups checks the shipped weights' emulation: the bench in the bot's group and every
// thread of a redis-server in Redis's, with cpu.shares as systemd derives them from CPUWeight,
// and everything back in the bench's own group once closed. It needs root and the cgroup v1 cpu
// controller (the machines this project runs on have both); elsewhere it says so and skips.
func TestCPUGroups(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cpu groups need root")
	}
	if _, err := os.Stat(filepath.Join(cpuV1, "cpu.shares")); err != nil {
		t.Skip("no cgroup v1 cpu controller at " + cpuV1)
	}
	home, err := ownCPUGroup()
	if err != nil {
		t.Fatal(err)
	}
	probe, err := os.MkdirTemp(home, "thiduabot-bench-probe-") // a group, where the tree is writable
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		t.Skipf("the cpu hierarchy is not writable here (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(probe); err != nil {
		t.Fatal(err)
	}
	g, err := NewCPUGroups(100, 1000)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = g.Close()
		}
	}()
	for dir, want := range map[string]int{g.bot: 1024, g.redis: 10240} {
		b, err := os.ReadFile(filepath.Join(dir, "cpu.shares"))
		if got := strings.TrimSpace(string(b)); err != nil || got != strconv.Itoa(want) {
			t.Fatalf("%s: cpu.shares %s (%v), want %d", dir, got, err, want)
		}
	}
	if !inGroup(t, g.bot, os.Getpid()) {
		t.Fatal("the bench is not in the bot's group")
	}
	r, err := StartRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !inGroup(t, g.bot, r.Pid()) {
		t.Fatal("a redis-server the bench starts does not inherit the bot's group")
	}
	if err := g.AddRedis(r.Pid()); err != nil {
		t.Fatal(err)
	}
	if !inGroup(t, g.redis, r.Pid()) {
		t.Fatal("redis-server not in Redis's group")
	}
	tasks, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(r.Pid()), "task"))
	if err != nil || len(tasks) < 2 {
		t.Fatalf("redis-server's threads: %d (%v)", len(tasks), err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(r.Pid()), "task", task.Name(), "cgroup"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), filepath.Base(g.redis)) {
			t.Fatalf("thread %s of redis-server is not in Redis's group: %s", task.Name(), b)
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	for _, dir := range []string{g.bot, g.redis} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%s still there after Close (%v)", dir, err)
		}
	}
	for _, pid := range []int{os.Getpid(), r.Pid()} {
		if !inGroup(t, home, pid) {
			t.Fatalf("process %d is not back in its own group %s", pid, home)
		}
	}
}

// inGroup reports whether the process pid is in the group dir.
func inGroup(t *testing.T, dir string, pid int) bool {
	t.Helper()
	pids, err := procs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(pids, pid)
}
