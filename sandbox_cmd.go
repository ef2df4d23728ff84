package main

import (
	"context"
	"errors"
)

// runSandbox starts the sandbox (issue 7).
func runSandbox(ctx context.Context, args []string) error {
	return errors.New("the sandbox is not built yet")
}
