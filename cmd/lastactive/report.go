package main

import (
	"context"
	"fmt"
)

func (a *app) report(ctx context.Context, args []string) int {
	_ = ctx
	_ = args
	fmt.Fprintf(a.stderr, "%s report: not available yet\n", programName)
	return exitFailed
}
