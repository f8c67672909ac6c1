package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/wire"
)

// serverConn is one client connection, served by one goroutine.
type serverConn struct {
	s    *Server
	nc   net.Conn
	info wire.ClientInfo

	mu   sync.Mutex
	busy bool // a request is being handled
	stop bool // close once the current request is answered
}

// closeWhenIdle asks the connection to close after its current request (or
// now, if it is waiting for one).
func (c *serverConn) closeWhenIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stop = true
	if !c.busy {
		c.nc.Close()
	}
}

// setBusy marks the start or end of handling; it reports false when the
// connection must close instead.
func (c *serverConn) setBusy(busy bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.busy = busy
	return !c.stop
}

func (c *serverConn) serve() {
	defer c.s.forget(c)
	defer c.nc.Close()
	log := c.s.logger.With("conn", c.info.ConnID, "remote", c.info.RemoteAddr.String())
	r := bufio.NewReaderSize(c.nc, 64<<10)
	w := bufio.NewWriterSize(c.nc, 64<<10)
	var frame, out []byte
	for {
		c.nc.SetReadDeadline(time.Now().Add(c.s.opts.IdleTimeout))
		var err error
		frame, err = wire.ReadFrame(r, c.s.opts.MaxRequestSize, frame)
		if err != nil {
			c.readFailed(log, err)
			return
		}
		if !c.setBusy(true) {
			return
		}
		c.s.metrics.bytesIn.Add(float64(len(frame) + 4))
		var parts []wire.Part
		out, parts, err = c.handle(log, frame, out[:0])
		if err != nil {
			return
		}
		if len(out) > 0 || parts != nil {
			c.nc.SetWriteDeadline(time.Now().Add(c.s.opts.IdleTimeout))
			var written int64
			if parts != nil {
				written, err = writeParts(w, c.nc, parts)
			} else {
				written = int64(len(out))
				_, err = w.Write(out)
			}
			if err != nil {
				log.Debug("write failed", "err", err)
				return
			}
			// Flush once no further request is already buffered: pipelined
			// requests then share one write system call.
			if r.Buffered() == 0 {
				if err := w.Flush(); err != nil {
					log.Debug("write failed", "err", err)
					return
				}
			}
			c.s.metrics.bytesOut.Add(float64(written))
		}
		if !c.setBusy(false) {
			w.Flush()
			return
		}
	}
}

// readFailed logs why reading stopped; a clean close or idle timeout is normal.
func (c *serverConn) readFailed(log interface{ Debug(string, ...any) }, err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Debug("closing idle connection")
	case errors.Is(err, wire.ErrFrameTooLarge), errors.Is(err, wire.ErrInvalidFrame):
		c.s.metrics.closedOnError.WithLabelValues("bad_frame").Inc()
		log.Debug("closing connection on a bad frame", "err", err)
	default:
		log.Debug("read failed", "err", err)
	}
}

// handle parses and serves one request frame, appending the response frame
// (if any) to out, or returning it as parts when it carries file regions
// (zero-copy fetch). An error means: close the connection.
func (c *serverConn) handle(log interface {
	Debug(string, ...any)
	Error(string, ...any)
}, frame, out []byte) (resp []byte, parts []wire.Part, err error) {
	hdr, req, perr := wire.ParseRequest(frame)
	if hdr.APIKey == kmsg.ApiVersions.Int16() {
		// KIP-511: an ApiVersions above our range (whether kmsg could decode
		// it or not) is answered in the v0 layout with our range, so the
		// client retries with a version we speak.
		if minV, maxV := apiVersionsRange(c.s.handler); hdr.APIVersion > maxV || errors.Is(perr, wire.ErrUnsupportedVersion) {
			return wire.AppendAPIVersionsFallback(out, hdr.CorrelationID, unsupportedVersion, minV, maxV), nil, nil
		}
	}
	if perr != nil {
		c.s.metrics.closedOnError.WithLabelValues("bad_request").Inc()
		log.Debug("closing connection on a bad request", "api_key", hdr.APIKey, "api_version", hdr.APIVersion, "err", perr)
		return nil, nil, perr
	}
	api := apiName(hdr.APIKey)
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			c.s.metrics.closedOnError.WithLabelValues("panic").Inc()
			log.Error("request handler panicked; closing the connection", "api", api, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, parts, err = nil, nil, fmt.Errorf("server: handler panic: %v", p)
		}
	}()
	r, herr := c.s.handler.Handle(c.s.ctx, &c.info, hdr, req)
	c.s.metrics.requests.WithLabelValues(api).Inc()
	if herr != nil {
		c.s.metrics.closedOnError.WithLabelValues("handler").Inc()
		log.Debug("closing connection at the handler's request", "api", api, "err", herr)
		return nil, nil, herr
	}
	defer func() { c.s.metrics.requestSeconds.WithLabelValues(api).Observe(time.Since(start).Seconds()) }()
	if rr, ok := r.(*wire.RegionResponse); ok {
		// The byte parts alias out; returning it keeps the buffer for the
		// next request instead of allocating one per fetch.
		parts, buf, err := wire.AppendRegionResponse(out, hdr, rr)
		return buf, parts, err
	}
	if r != nil {
		out = wire.AppendResponse(out, hdr, r)
	}
	return out, nil, nil
}

// unsupportedVersion is Kafka's UNSUPPORTED_VERSION error code.
const unsupportedVersion = 35

// apiName is the metric label for an API key.
func apiName(key int16) string {
	if name := kmsg.NameForKey(key); name != "" {
		return name
	}
	return strconv.Itoa(int(key))
}

// VersionRanger is implemented by handlers that know the ApiVersions range
// they serve; the server uses it for the KIP-511 fallback answer.
type VersionRanger interface {
	APIVersionsRange() (minV, maxV int16)
}

func apiVersionsRange(h Handler) (int16, int16) {
	if vr, ok := h.(VersionRanger); ok {
		return vr.APIVersionsRange()
	}
	return 0, 3
}
