package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"thiduabot/sandbox"
)

// runSandbox starts the sandbox (issue 7): the whole bot, an embedded Redis and a simulated
// Telegram in one process, with a web page to try it in.
func runSandbox(ctx context.Context, args []string) error {
	return sandboxMain(ctx, args, os.Stdout, os.Stderr)
}

func sandboxMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	fs := flag.NewFlagSet("thiduabot sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address of the web page")
	redisURL := fs.String("redis", "", "use this Redis (an empty database, e.g. redis://127.0.0.1:6379/15) instead of the embedded one")
	empty := fs.Bool("empty", false, "start blank: the people and the group, but no bloc set up")
	verbose := fs.Bool("v", false, "log what the bot does (info level)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: go run . sandbox [flags]\n\nTry the whole bot in a browser, without Telegram or Redis.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("sandbox: unexpected argument %q", fs.Arg(0))
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	sb, err := sandbox.New(sandbox.Options{Addr: *addr, RedisURL: *redisURL, Empty: *empty, Log: log})
	if err != nil {
		return err
	}
	defer sb.Close()
	return sb.Run(ctx, func(url string) {
		world := "the Tây Ninh bloc is set up"
		if *empty {
			world = "blank: no bloc yet"
		}
		fmt.Fprintf(stdout, "thiduabot sandbox: open %s (%s; ready in %s; Ctrl+C stops)\n",
			url, world, time.Since(start).Round(time.Millisecond))
	})
}
