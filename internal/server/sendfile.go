package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/samsa-io/samsa/internal/wire"
)

// writeParts writes a response split into byte parts and file regions.
// Regions go to the socket with sendfile(2) at an explicit offset (the file
// offset is untouched, so concurrent readers of the segment are safe) after
// the buffered bytes before them are flushed; on a connection that is not
// TCP they are copied.
func writeParts(w *bufio.Writer, nc net.Conn, parts []wire.Part) (int64, error) {
	var n int64
	for _, p := range parts {
		if p.Region == nil {
			k, err := w.Write(p.Bytes)
			n += int64(k)
			if err != nil {
				return n, err
			}
			continue
		}
		if err := w.Flush(); err != nil {
			return n, err
		}
		var err error
		if tcp, ok := nc.(*net.TCPConn); ok {
			err = sendfile(tcp, p.Region)
		} else {
			_, err = io.Copy(nc, io.NewSectionReader(p.Region.File, p.Region.Offset, p.Region.Size))
		}
		if err != nil {
			return n, err
		}
		n += p.Region.Size
	}
	return n, nil
}

// sendfile sends a whole region. A region that the file no longer fully
// holds (a truncation raced the fetch) is an error: the frame's length is
// already on the wire, so the connection must close.
func sendfile(conn *net.TCPConn, r *wire.Region) error {
	src, err := r.File.SyscallConn()
	if err != nil {
		return err
	}
	dst, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	off, left := r.Offset, r.Size
	var serr error
	cerr := src.Control(func(infd uintptr) {
		werr := dst.Write(func(outfd uintptr) bool {
			for left > 0 {
				w, err := syscall.Sendfile(int(outfd), int(infd), &off, int(min(left, 1<<30)))
				if w > 0 {
					left -= int64(w)
				}
				switch {
				case err == syscall.EAGAIN:
					return false // wait until the socket is writable
				case err == syscall.EINTR:
				case err != nil:
					serr = err
					return true
				case w == 0:
					serr = io.ErrUnexpectedEOF
					return true
				}
			}
			return true
		})
		if serr == nil {
			serr = werr
		}
	})
	if serr != nil {
		return fmt.Errorf("server: sendfile %s at %d: %w", r.File.Name(), off, serr)
	}
	return cerr
}
