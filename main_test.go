package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// Without a token, `go run .` stops with a message that names the setting and points to the
// sandbox (sandbox/proc_test.go checks the same of the built binary, exit code included).
func TestNoTokenMessage(t *testing.T) {
	t.Chdir(t.TempDir()) // no config.yaml
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	t.Setenv("THIDUABOT_CONFIG", "")
	err := run(nil)
	if err == nil {
		t.Fatal("no error without a token")
	}
	for _, want := range []string{"TELEGRAM_BOT_TOKEN", "go run . sandbox"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not mention %q", err, want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// `sandbox` prints the page's URL once it is ready and stops when asked; wrong flags say so.
func TestSandboxCommand(t *testing.T) {
	var stdout, stderr syncBuffer
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- sandboxMain(ctx, []string{"-addr", "127.0.0.1:0", "-empty"}, io.MultiWriter(&stdout, pw), &stderr)
		pw.Close()
	}()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(pr).ReadString('\n')
		line <- l
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case l := <-line:
		if !strings.Contains(l, "http://127.0.0.1:") {
			t.Fatalf("no URL in the first line: %q\n%s", l, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no URL printed within 30s: %q", stderr.String())
	}
	if !strings.Contains(stdout.String(), "blank") {
		t.Errorf("-empty not mentioned: %q", stdout.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sandbox: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not stop")
	}

	if err := sandboxMain(context.Background(), []string{"extra"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "extra") {
		t.Errorf("an extra argument: %v", err)
	}
	if err := sandboxMain(context.Background(), []string{"-nope"}, &stdout, &stderr); err == nil {
		t.Error("an unknown flag was accepted")
	}
}
