package bench

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestSetNice checks that every thread of the server gets the niceness asked for: a higher one
// than the bench's (any user may lower a process's priority), or, for a bench already at the
// lowest priority, a lower one, which only a privileged run is given.
func TestSetNice(t *testing.T) {
	r, err := StartRedis()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	own := niceOf(t, os.Getpid())
	if got := niceOf(t, r.cmd.Process.Pid); got != own {
		t.Fatalf("a new server runs at niceness %d, want the bench's own %d", got, own)
	}
	want := min(own+7, 19)
	if want == own { // already the lowest priority: only a privileged run may change it
		want = own - 1
	}
	if err := r.SetNice(want); err != nil {
		if want > own || !errors.Is(err, syscall.EACCES) && !errors.Is(err, syscall.EPERM) {
			t.Fatal(err)
		}
		want = own // refused without the privilege, as it must be: nothing changed
	}
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(r.cmd.Process.Pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("redis-server has %d threads: expected its background threads too", len(tasks))
	}
	for _, e := range tasks { // every thread, the background ones too
		tid, _ := strconv.Atoi(e.Name())
		if got := niceOfTask(t, r.cmd.Process.Pid, tid); got != want {
			t.Fatalf("thread %d: niceness %d after SetNice(%d)", tid, got, want)
		}
	}
}

// niceOf reads a process's (its main thread's) niceness.
func niceOf(t *testing.T, pid int) int { t.Helper(); return niceOfTask(t, pid, pid) }

// niceOfTask reads a thread's niceness from /proc/<pid>/task/<tid>/stat (the 19th field).
func niceOfTask(t *testing.T, pid, tid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// The command name (field 2) is in parentheses and may hold spaces: count after it.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.Atoi(f[16]) // fields 3.. start at index 0: the 19th is index 16
	if err != nil {
		t.Fatal(err)
	}
	return n
}
