package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress reports a long operation: on a terminal, a bar redrawn in place;
// otherwise (a pipe, a log file, CI) a plain line every interval, so logs
// stay readable. line returns the text for the elapsed interval; done and
// total drive the bar.
type progress struct {
	w        io.Writer
	tty      bool
	interval time.Duration
	total    int64
	done     func() int64
	line     func(elapsed time.Duration) string

	stop chan struct{}
	wg   sync.WaitGroup
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func startProgress(w io.Writer, interval time.Duration, total int64, done func() int64, line func(time.Duration) string) *progress {
	p := &progress{w: w, tty: isTerminal(w), interval: interval, total: total, done: done, line: line, stop: make(chan struct{})}
	if interval <= 0 {
		return p
	}
	p.wg.Add(1)
	go p.run()
	return p
}

func (p *progress) run() {
	defer p.wg.Done()
	tick := p.interval
	if p.tty {
		tick = 250 * time.Millisecond // the bar redraws often
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	last, lastLine := time.Now(), ""
	for {
		select {
		case <-p.stop:
			if p.tty {
				fmt.Fprint(p.w, "\r\033[K")
			}
			return
		case now := <-t.C:
			if !p.tty {
				fmt.Fprintln(p.w, p.line(now.Sub(last)))
				last = now
				continue
			}
			// The text covers the last second, so the bar reads live
			// without flickering every tick.
			if now.Sub(last) >= min(p.interval, time.Second) || lastLine == "" {
				lastLine = p.line(now.Sub(last))
				last = now
			}
			fmt.Fprintf(p.w, "\r\033[K%s %s", bar(p.done(), p.total, 30), lastLine)
		}
	}
}

// bar draws [=====>    ]  45%.
func bar(done, total int64, width int) string {
	if total <= 0 {
		return fmt.Sprintf("[%d]", done)
	}
	frac := min(float64(done)/float64(total), 1)
	fill := int(frac * float64(width))
	head := ""
	if fill < width {
		head = ">"
	}
	return fmt.Sprintf("[%s%s%s] %3.0f%%", strings.Repeat("=", fill), head, strings.Repeat(" ", max(width-fill-len(head), 0)), frac*100)
}

// finish stops the reporter and waits for it.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
}
