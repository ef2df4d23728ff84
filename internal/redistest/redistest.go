// Package redistest starts a real redis-server for tests: on a free loopback port, in a temp
// directory, stopped when the test ends. It never falls back to a fake: a missing redis-server
// fails the test with the command that installs it.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running redis-server.
type Server struct {
	Addr   string
	Dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	args   []string
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs a redis-server with the given extra arguments (e.g. "--appendonly", "yes").
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	return StartWith(t, func(port int, dir string) []string {
		return append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", filepath.Join(dir, "redis.log")}, extra...)
	})
}

// StartWith runs redis-server with the arguments args gives for a free loopback port and the
// server's own directory (args may write a configuration file there: a Sentinel's, say). The
// server must log to redis.log in that directory, which a failure shows. Like Start, it waits
// until this very server answers, and starts it again on another port if the port was taken.
func StartWith(t testing.TB, args func(port int, dir string) []string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not found: install it with `apt-get install -y redis-server` (the README's test command does this)")
	}
	dir := t.TempDir()
	s := &Server{Dir: dir}
	// A port found free can be taken by another test's server or connection before this server
	// binds it: then the server exits at once, and it is started again on another port.
	for attempt := 1; ; attempt++ {
		port := FreePort(t)
		s.Addr = "127.0.0.1:" + strconv.Itoa(port)
		s.args = args(port, dir)
		err := s.start(bin)
		if err == nil {
			break
		}
		if !errors.Is(err, errExited) || attempt == 5 {
			t.Fatal(err)
		}
	}
	t.Cleanup(s.Kill)
	return s
}

// errExited: the server exited before it answered (its port was taken, say).
var errExited = errors.New("redis-server exited")

// start runs the server and waits until it answers. It checks that the server answering is
// this one (its process id), not another that took the port first.
func (s *Server) start(bin string) error {
	cmd := exec.Command(bin, s.args...)
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	pid := "process_id:" + strconv.Itoa(cmd.Process.Pid) + "\r\n"
	deadline := time.Now().Add(10 * time.Second)
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	for {
		select {
		case <-exited:
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("%w on %s: %s", errExited, s.Addr, log)
		default:
		}
		// INFO answers while a dataset loads; PING (as before) waits for it to be loaded.
		if info, err := c.Info(context.Background(), "server").Result(); err == nil && strings.Contains(info, pid) &&
			c.Ping(context.Background()).Err() == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			log, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
			return fmt.Errorf("redis-server did not answer on %s: %s", s.Addr, log)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, bounded
	}
}

// Kill stops the server at once (SIGKILL).
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// Restart starts the server again with the same arguments, port and directory. The port was
// its own a moment ago; if another process took it meanwhile, Restart tries again for a while.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	bin, _ := exec.LookPath("redis-server")
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.start(bin)
		if err == nil {
			return
		}
		if !errors.Is(err, errExited) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // the port's holder may let it go
	}
}

// Client returns a go-redis client for the server, closed when the test ends.
func (s *Server) Client(t testing.TB) redis.UniversalClient {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// URL is the server as a REDIS_URL.
func (s *Server) URL() string { return fmt.Sprintf("redis://%s/0", s.Addr) }
