package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// CPUGroups gives the bench and the inbound worlds' redis-servers the CPU weights that the
// shipped systemd units give the bot and a co-located Redis (deploy/: the bot's service at the
// default CPUWeight=100, deploy/redis-server.service.d CPUWeight=1000), without systemd: two
// sibling cgroups of the cgroup v1 cpu controller (inside the bench's own group), with
// cpu.shares as systemd sets them on such a host (CPUShares) (a cgroup v2 host's
// cpu.weight divides the CPU between siblings the same way). The bench moves itself into the
// bot's group, so the processes it starts (every redis-server, the simulator's and the bot's
// own work) are there too until AddRedis moves one into Redis's group.
type CPUGroups struct {
	home       string // the group this process was in: where Close moves processes back
	bot, redis string
}

// cpuV1 is where the cgroup v1 cpu controller is mounted on Debian and most distributions.
const cpuV1 = "/sys/fs/cgroup/cpu"

// NewCPUGroups creates the two groups inside this process's own cpu group (it needs root and a
// writable cgroup v1 cpu hierarchy) and moves this process into the bot's. Close undoes it.
func NewCPUGroups(botWeight, redisWeight int) (*CPUGroups, error) {
	if botWeight < 1 || botWeight > 10000 || redisWeight < 1 || redisWeight > 10000 {
		return nil, fmt.Errorf("cpu weights %d and %d: each must be 1–10000", botWeight, redisWeight)
	}
	if _, err := os.Stat(filepath.Join(cpuV1, "cpu.shares")); err != nil {
		return nil, errors.New("cpu weights: no cgroup v1 cpu controller at " + cpuV1 + " (cpu.shares)")
	}
	home, err := ownCPUGroup()
	if err != nil {
		return nil, err
	}
	g := &CPUGroups{home: home}
	for _, d := range []struct {
		dir    *string
		name   string
		weight int
	}{{&g.bot, "thiduabot-bench-bot-", botWeight}, {&g.redis, "thiduabot-bench-redis-", redisWeight}} {
		dir, err := os.MkdirTemp(home, d.name) // a name of its own: a killed run's group may remain
		if err != nil {
			g.Close()
			return nil, fmt.Errorf("cpu weights: %w (it needs root and a writable %s)", err, home)
		}
		*d.dir = dir
		if err := os.WriteFile(filepath.Join(dir, "cpu.shares"), []byte(strconv.Itoa(CPUShares(d.weight))), 0); err != nil {
			g.Close()
			return nil, fmt.Errorf("cpu weights: %w", err)
		}
	}
	if err := g.move(g.bot, os.Getpid()); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// AddRedis moves a redis-server (every thread of it) into Redis's group.
func (g *CPUGroups) AddRedis(pid int) error { return g.move(g.redis, pid) }

// CPUShares is the cpu.shares systemd gives a unit's CPUWeight on a cgroup v1 host.
func CPUShares(weight int) int { return weight * 1024 / 100 }

// procs lists the processes in a group (its cgroup.procs).
func procs(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out, nil
}

// move writes pid to a group's cgroup.procs: in cgroup v1 that moves all of its threads.
func (g *CPUGroups) move(dir string, pid int) error {
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		return fmt.Errorf("cpu weights: move %d to %s: %w", pid, filepath.Base(dir), err)
	}
	return nil
}

// Close moves the processes still in the groups back to the group this process came from
// and removes the groups (those it created: a failed NewCPUGroups closes what it made).
func (g *CPUGroups) Close() error {
	var errs []error
	for _, dir := range []string{g.bot, g.redis} {
		if dir == "" {
			continue
		}
		pids, _ := procs(dir) // none when the group is gone
		for _, pid := range pids {
			if err := g.move(g.home, pid); err != nil && !errors.Is(err, syscall.ESRCH) { // gone meanwhile
				errs = append(errs, err)
			}
		}
		if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ownCPUGroup is the directory of this process's group in the cgroup v1 cpu hierarchy (from
// /proc/self/cgroup: the line whose controllers include cpu, as "4:cpu,cpuacct:/path").
func ownCPUGroup() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("cpu weights: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, c := range strings.Split(f[1], ",") {
			if c == "cpu" {
				return filepath.Join(cpuV1, f[2]), nil
			}
		}
	}
	return "", errors.New("cpu weights: this process is in no cgroup v1 cpu group")
}
