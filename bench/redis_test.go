package bench

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSetNice checks that the server's niceness is what the world asked for (a higher one than
// the bench's: any user may lower a process's priority).
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
	if err := r.SetNice(want); err != nil {
		t.Fatal(err)
	}
	if got := niceOf(t, r.cmd.Process.Pid); got != want {
		t.Fatalf("niceness %d after SetNice(%d)", got, want)
	}
}

// niceOf reads a process's niceness from /proc/<pid>/stat (the 19th field).
func niceOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
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
