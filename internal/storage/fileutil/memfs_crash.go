package fileutil

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"slices"
)

// Crash simulates a power cut: afterwards the MemFS holds exactly what the
// durability model (doc.go) says reached the disk.
//
//   - Namespace: every directory's entries revert to their state at its last
//     SyncDir (directories made by MkdirAll count as synced into their parent
//     at once). So a file created since its directory's last SyncDir is gone,
//     a removed one is back, and a rename is undone unless the new parent
//     was synced, and the old name lingers unless the old parent was. Each
//     directory is judged on its own: a file moved between two directories
//     of which only the destination was synced ends up under both names (one
//     inode, two links, as a journal-less file system can leave it); only
//     the source synced, under neither.
//   - Contents: every file reachable in the reverted namespace reverts to its
//     contents at its last Sync or Msync, size included; a file never synced
//     is empty. A file that was removed and comes back has its synced
//     contents.
//   - Handles: every File opened before the crash is dead (its methods fail
//     with fs.ErrClosed) and every mapping is dropped (stores through it no
//     longer reach the file).
//
// The state after a crash is durable as it stands: a second Crash changes
// nothing. Injected faults and the capacity limit stay as they were; Used is
// recomputed. Crash waits for File methods in progress to finish, so each
// write is wholly before the crash (and lost unless synced) or refused.
func (m *MemFS) Crash() { m.crash(nil) }

// CrashTorn is Crash with torn writes: for every file whose current
// contents run past its synced length, it keeps the synced contents plus a
// prefix, of random length between none and all, of the bytes beyond them,
// as when some but not all of an append's pages reach the disk before power
// fails. Unsynced overwrites inside the synced length are dropped, as by
// Crash. Files are visited in a fixed order (depth first, by name), so a
// seeded rng reproduces the same crash.
func (m *MemFS) CrashTorn(rng *rand.Rand) { m.crash(rng) }

func (m *MemFS) crash(rng *rand.Rand) {
	m.releaseLocks() // the process holding them is gone
	m.crashMu.Lock()
	defer m.crashMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++

	// Rebuild the namespace from the synced listings, depth first by name.
	// A directory reachable twice (possible when directory renames between
	// different parents were synced on one side only) keeps only its first
	// name: a directory with two parents would make the tree a graph.
	seenDir := map[*inode]bool{}
	links := map[*inode]int{}
	var files []*inode
	var walk func(d *inode)
	walk = func(d *inode) {
		seenDir[d] = true
		d.entries = make(map[string]*inode, len(d.syncedEntries))
		for _, name := range slices.Sorted(maps.Keys(d.syncedEntries)) {
			c := d.syncedEntries[name]
			if c.dir {
				if seenDir[c] {
					continue
				}
				d.entries[name] = c
				c.nlink, c.nopen = 1, 0
				walk(c)
				continue
			}
			d.entries[name] = c
			if links[c] == 0 {
				files = append(files, c)
			}
			links[c]++
		}
		d.syncedEntries = maps.Clone(d.entries)
	}
	walk(m.root)

	var used int64
	for _, n := range files {
		n.mu.Lock()
		n.revertLocked(rng)
		n.nlink, n.nopen, n.released = links[n], 0, false
		used += int64(len(n.data))
		n.mu.Unlock()
	}
	m.used.Store(used)
}

// revertLocked replaces the file's contents with what a crash leaves: the
// synced bytes, plus with rng a random prefix of the unsynced tail. The
// result is both the new contents and the new synced contents, and lives in
// a fresh array so that old mappings no longer reach it. Caller holds n.mu.
func (n *inode) revertLocked(rng *rand.Rand) {
	disk := n.synced
	if tail := len(n.data) - len(disk); rng != nil && tail > 0 {
		keep := rng.IntN(tail + 1)
		disk = append(disk[:len(disk):len(disk)], n.data[len(disk):len(disk)+keep]...)
	}
	n.synced = bytes.Clone(disk)
	n.data = bytes.Clone(disk)
	n.dirty = len(n.data)
	n.maps = 0
}
