package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/creditlab/credit/serve"
)

// serveCmd serves the dashboard over run directories until SIGINT or
// SIGTERM (credit serve [DIR...] [--addr A] [--public]).
func serveCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8150", "listen on `host:port` (a loopback address unless --public)")
	public := fs.Bool("public", false, "allow an address other than loopback (the page shows every run to whoever reaches it)")
	poll := fs.Duration("poll", time.Second, "time between scans of the directories")
	dirs, err := parse(fs, args, stdout, "usage: credit serve [DIR...] [flags]; each DIR a run directory or a directory holding run directories (default runs)")
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		dirs = []string{"runs"}
	}
	if err := serve.CheckAddr(*addr, *public); err != nil {
		return err
	}
	s, err := serve.New(serve.Options{Dirs: dirs, Poll: *poll, Public: *public})
	if err != nil {
		return err
	}
	defer s.Close()
	l, err := serve.Listen(*addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan struct{})
	go s.Watch(done)
	defer close(done)
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	fmt.Fprintf(stdout, "credit serve: %d runs in %s at http://%s/ (Ctrl-C to stop)\n", len(s.Runs()), strings.Join(dirs, ", "), l.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %v", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return nil
	}
}
