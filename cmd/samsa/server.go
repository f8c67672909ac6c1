package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/broker"
	"github.com/samsa-io/samsa/internal/config"
)

// singleNodeDefaults make `samsa server` with no arguments a usable single
// node; a --config file and --override flags replace any of them.
var singleNodeDefaults = map[string]string{
	"node.id":                   "1",
	"process.roles":             "broker,controller",
	"listeners":                 "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093",
	"controller.listener.names": "CONTROLLER",
	"log.dirs":                  "./data",
}

// overrides collects repeated --override key=value flags.
type overrides map[string]string

func (o overrides) String() string { return fmt.Sprint(map[string]string(o)) }

func (o overrides) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	o[k] = v
	return nil
}

func runServer(args []string) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	configPath := fs.String("config", "", "server.properties file (Kafka key names)")
	over := overrides{}
	fs.Var(over, "override", "a config key=value that wins over the file (repeatable)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "samsa server: bad --log-level %q\n", *logLevel)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	props := map[string]string{}
	for k, v := range singleNodeDefaults {
		props[k] = v
	}
	if *configPath != "" {
		f, err := os.Open(*configPath)
		if err != nil {
			fmt.Fprintf(os.Stderr, "samsa server: %v\n", err)
			return 1
		}
		file, err := config.LoadProperties(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "samsa server: %s: %v\n", *configPath, err)
			return 1
		}
		for k, v := range file {
			props[k] = v
		}
	}
	cfg, err := config.NewBroker(props, over)
	if err != nil {
		fmt.Fprintf(os.Stderr, "samsa server: invalid configuration:\n%v\n", err)
		return 1
	}
	for _, w := range cfg.Warnings() {
		logger.Warn(w)
	}

	b, err := broker.New(cfg, logger, prometheus.NewRegistry())
	if err != nil {
		fmt.Fprintf(os.Stderr, "samsa server: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := b.Start(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "samsa server: %v\n", err)
		return 1
	}
	<-ctx.Done()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		logger.Error("shutdown", "err", err)
		return 1
	}
	return 0
}
