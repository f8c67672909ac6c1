package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/wire"
)

// Listener is one address the server accepts connections on.
type Listener struct {
	// Name is the listener name (PLAINTEXT, ...), as in `listeners`.
	Name string
	// Addr is host:port; port 0 picks a free port (tests).
	Addr string
}

// Options configure a Server.
type Options struct {
	Listeners []Listener
	// MaxRequestSize (socket.request.max.bytes) is the largest request frame
	// accepted; a larger one closes the connection before it is read.
	MaxRequestSize int32
	// MaxConnections (max.connections) caps open connections; more are
	// closed as they are accepted.
	MaxConnections int
	// IdleTimeout (connections.max.idle.ms) closes a connection that sent
	// nothing for this long.
	IdleTimeout time.Duration
}

// DefaultOptions are Kafka's defaults on 127.0.0.1:9092.
func DefaultOptions() Options {
	return Options{
		Listeners:      []Listener{{Name: "PLAINTEXT", Addr: "127.0.0.1:9092"}},
		MaxRequestSize: 100 << 20,
		MaxConnections: 1 << 20,
		IdleTimeout:    10 * time.Minute,
	}
}

// Validate reports the first bad option.
func (o Options) Validate() error {
	switch {
	case len(o.Listeners) == 0:
		return errors.New("server: no listeners")
	case o.MaxRequestSize <= 0:
		return errors.New("server: socket.request.max.bytes must be positive")
	case o.MaxConnections <= 0:
		return errors.New("server: max.connections must be positive")
	case o.IdleTimeout <= 0:
		return errors.New("server: connections.max.idle.ms must be positive")
	}
	return nil
}

// Server accepts connections on its listeners and serves them with a Handler.
type Server struct {
	opts    Options
	handler Handler
	logger  *slog.Logger
	metrics *metrics

	ctx    context.Context // handlers' context: cancelled when Shutdown starts
	cancel context.CancelFunc

	mu        sync.Mutex
	listeners map[string]net.Listener
	conns     map[*serverConn]struct{}
	draining  bool

	nextID atomic.Uint64
	open   atomic.Int64
	wg     sync.WaitGroup // accept loops and connections
}

// New creates a server; Start binds its listeners.
func New(opts Options, h Handler, logger *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts: opts, handler: h, logger: logger, metrics: newMetrics(reg),
		ctx: ctx, cancel: cancel,
		listeners: map[string]net.Listener{}, conns: map[*serverConn]struct{}{},
	}, nil
}

// Start binds every listener and starts accepting. If one fails to bind,
// the ones already bound are closed.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.opts.Listeners {
		ln, err := net.Listen("tcp", l.Addr)
		if err != nil {
			for _, open := range s.listeners {
				open.Close()
			}
			return fmt.Errorf("server: listen %s on %s: %w", l.Name, l.Addr, err)
		}
		s.listeners[l.Name] = ln
		s.logger.Info("listening", "listener", l.Name, "addr", ln.Addr().String())
		s.wg.Go(func() { s.accept(l.Name, ln) })
	}
	return nil
}

// Addr returns the bound address of a listener (useful with port 0).
func (s *Server) Addr(listener string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ln, ok := s.listeners[listener]; ok {
		return ln.Addr()
	}
	return nil
}

func (s *Server) accept(name string, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.logger.Warn("accept failed", "listener", name, "err", err)
			time.Sleep(10 * time.Millisecond) // e.g. EMFILE: back off instead of spinning
			continue
		}
		if s.open.Load() >= int64(s.opts.MaxConnections) {
			s.metrics.refused.Inc()
			c.Close()
			continue
		}
		sc := &serverConn{s: s, nc: c, info: wire.ClientInfo{Listener: name, RemoteAddr: c.RemoteAddr(), LocalAddr: c.LocalAddr(), ConnID: s.nextID.Add(1)}}
		s.mu.Lock()
		if s.draining {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[sc] = struct{}{}
		s.open.Add(1)
		s.wg.Add(1)
		s.mu.Unlock()
		s.metrics.accepted.Inc()
		s.metrics.connections.Inc()
		go sc.serve()
	}
}

// forget removes a finished connection.
func (s *Server) forget(sc *serverConn) {
	s.mu.Lock()
	delete(s.conns, sc)
	s.mu.Unlock()
	s.open.Add(-1)
	s.metrics.connections.Dec()
	s.wg.Done()
}

// Shutdown stops accepting, lets in-flight requests finish and answer, and
// closes every connection. The handlers' context is cancelled at once, so
// requests that are only waiting (a fetch's long poll) answer now with what
// they have instead of holding shutdown for their MaxWait. If ctx ends
// first, connections are closed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	s.mu.Lock()
	s.draining = true
	for _, ln := range s.listeners {
		ln.Close()
	}
	for sc := range s.conns {
		sc.closeWhenIdle()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for sc := range s.conns {
			sc.nc.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}
