package redistest

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A server whose port another server took first exits; start says so instead of taking the
// other server for its own (both answer PING on that port).
func TestStartOnATakenPort(t *testing.T) {
	other := Start(t)
	_, port, _ := strings.Cut(other.Addr, ":")
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &Server{Addr: other.Addr, Dir: dir, args: []string{"--port", port, "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--logfile", filepath.Join(dir, "redis.log")}}
	t.Cleanup(s.Kill)
	if err := s.start(bin); !errors.Is(err, errExited) {
		t.Fatalf("start on a taken port: %v, want errExited", err)
	}
	// Start itself finds another port.
	if again := Start(t); again.Addr == other.Addr {
		t.Fatalf("two servers on %s", again.Addr)
	}
}
