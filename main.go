// Command thiduabot runs the Telegram bot of a Vietnamese emulation bloc (Khối thi đua).
//
//	go run .            run the bot (settings from config.yaml / the environment)
//	go run . sandbox    try the whole bot in a browser, without Telegram
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the binary carries the time zones it needs

	"thiduabot/app"
	"thiduabot/config"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "thiduabot:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == "sandbox" {
		return runSandbox(ctx, args[1:])
	}
	fs := flag.NewFlagSet("thiduabot", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("THIDUABOT_CONFIG"), "path to the YAML config file (see config.example.yaml)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := *cfgPath
	if path == "" {
		if _, err := os.Stat("config.yaml"); err == nil {
			path = "config.yaml"
		}
	}
	cfg, err := config.Load(path, os.Getenv)
	if err != nil {
		return err
	}
	log := app.NewLogger(os.Stderr, cfg.Log, cfg.Telegram.Token.Value(), cfg.Webhook.Secret.Value(),
		cfg.Redis.Password.Value(), cfg.Redis.Sentinel.Password.Value(), cfg.Bot.CallbackSecret.Value())
	a, err := app.New(cfg, app.Options{Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
