package fileutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// ErrLocked is returned by Lock when another holder has the lock.
var ErrLocked = errors.New("fileutil: locked by another holder")

// Locker is implemented by file systems that can take an exclusive,
// advisory lock on a file, as Kafka's ".lock" in every log dir: two
// processes appending to the same logs would corrupt them. The lock is
// released by Close, or when the holding process dies.
type Locker interface {
	// Lock creates name if missing and locks it without waiting; it
	// returns an error wrapping ErrLocked when someone else holds it.
	Lock(name string) (io.Closer, error)
}

// Lock implements Locker with flock(2), which the kernel drops when the
// process exits, however it exits (kill -9 included).
func (OSFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, name)
		}
		return nil, fmt.Errorf("fileutil: lock %s: %w", name, err)
	}
	return f, nil // closing the descriptor releases the flock
}

// memLocks is MemFS's lock table. A crash (the simulated death of the
// process) releases every lock, as the kernel does for flock.
type memLocks struct {
	mu   sync.Mutex
	held map[string]*memLock
}

type memLock struct {
	locks *memLocks
	name  string
	once  sync.Once
}

func (l *memLock) Close() error {
	l.once.Do(func() {
		l.locks.mu.Lock()
		if l.locks.held[l.name] == l {
			delete(l.locks.held, l.name)
		}
		l.locks.mu.Unlock()
	})
	return nil
}

// Lock implements Locker. The file is created as on a real file system.
func (m *MemFS) Lock(name string) (io.Closer, error) {
	f, err := m.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	f.Close()
	m.locks.mu.Lock()
	defer m.locks.mu.Unlock()
	if _, ok := m.locks.held[name]; ok {
		return nil, fmt.Errorf("%w: %s", ErrLocked, name)
	}
	if m.locks.held == nil {
		m.locks.held = map[string]*memLock{}
	}
	l := &memLock{locks: &m.locks, name: name}
	m.locks.held[name] = l
	return l, nil
}

// releaseLocks drops every lock (a crash).
func (m *MemFS) releaseLocks() {
	m.locks.mu.Lock()
	m.locks.held = nil
	m.locks.mu.Unlock()
}
