package fileutil

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"slices"
	"testing"
)

const (
	atomicOld = "old checkpoint"
	atomicNew = "new checkpoint, longer than the old one"
	atomicDir = "/d"
	atomicP   = "/d/checkpoint"
)

// crashKinds are the power cuts each WriteFileAtomic scenario is checked
// against: a clean one and torn ones with several seeds.
var crashKinds = []struct {
	name  string
	crash func(m *MemFS)
}{
	{"Crash", (*MemFS).Crash},
	{"CrashTorn1", func(m *MemFS) { m.CrashTorn(rand.New(rand.NewPCG(1, 1))) }},
	{"CrashTorn2", func(m *MemFS) { m.CrashTorn(rand.New(rand.NewPCG(2, 2))) }},
	{"CrashTorn3", func(m *MemFS) { m.CrashTorn(rand.New(rand.NewPCG(3, 3))) }},
}

// atomicScenario sets up a MemFS with or without a durable old checkpoint,
// injects fault, and runs WriteFileAtomic.
func atomicScenario(t *testing.T, existed bool, fault Fault) (*MemFS, error) {
	t.Helper()
	m, _ := newMem(t)
	if existed {
		writeDurable(t, m, atomicP, atomicOld)
	}
	m.InjectFault(fault)
	err := WriteFileAtomic(m, atomicP, []byte(atomicNew))
	m.ClearFaults()
	return m, err
}

// checkOldOrNew asserts the checkpoint holds exactly the old contents (or
// is absent, if there were none) or exactly the new ones.
func checkOldOrNew(t *testing.T, m *MemFS, existed bool) string {
	t.Helper()
	got, err := ReadFile(m, atomicP)
	switch {
	case err == nil && string(got) == atomicNew:
		return "new"
	case err == nil && existed && string(got) == atomicOld:
		return "old"
	case errors.Is(err, fs.ErrNotExist) && !existed:
		return "absent"
	}
	t.Fatalf("checkpoint = %q, %v; want exactly the old or the new contents", got, err)
	return ""
}

// TestWriteFileAtomicCrashAtEachStep fails each step of WriteFileAtomic in
// turn, then cuts the power, and checks that the checkpoint survives whole.
func TestWriteFileAtomicCrashAtEachStep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault Fault
		// wantLive is the checkpoint before the crash; afterwards it must be
		// the old one (or none), since no step completed the protocol.
		wantLive string
	}{
		{"open tmp", Fault{Op: OpOpen}, "old"},
		{"write tmp", Fault{Op: OpWrite}, "old"},
		{"torn write tmp", Fault{Op: OpWrite, Partial: true}, "old"},
		{"sync tmp", Fault{Op: OpSync}, "old"},
		{"rename", Fault{Op: OpRename}, "old"},
		{"sync dir", Fault{Op: OpSyncDir}, "new"},
	} {
		for _, existed := range []bool{true, false} {
			for _, ck := range crashKinds {
				name := tc.name + "/" + ck.name
				if !existed {
					name += "/first write"
				}
				t.Run(name, func(t *testing.T) {
					m, err := atomicScenario(t, existed, tc.fault)
					if err == nil {
						t.Fatal("WriteFileAtomic succeeded despite the fault")
					}
					live := checkOldOrNew(t, m, existed)
					if tc.wantLive == "new" && live != "new" || tc.wantLive == "old" && live == "new" {
						t.Fatalf("before the crash the checkpoint is %s, want %s", live, tc.wantLive)
					}
					if tc.wantLive == "old" {
						wantMissing(t, m, atomicP+".tmp") // cleaned up
					}
					ck.crash(m)
					if got := checkOldOrNew(t, m, existed); got == "new" {
						t.Fatal("the new checkpoint survived a crash before its directory was synced")
					}
				})
			}
		}
	}
}

// TestWriteFileAtomicCrashAtEveryOp enumerates every MemFS call
// WriteFileAtomic makes, fails the n-th (and every later one: the disk is
// gone), crashes, and checks old-or-new, until a run completes untouched.
func TestWriteFileAtomicCrashAtEveryOp(t *testing.T) {
	for _, existed := range []bool{true, false} {
		for _, ck := range crashKinds {
			t.Run(ck.name, func(t *testing.T) {
				var outcomes []string
				for n := 0; ; n++ {
					m, err := atomicScenario(t, existed, Fault{Op: OpAny, After: n})
					ck.crash(m)
					got := checkOldOrNew(t, m, existed)
					outcomes = append(outcomes, got)
					if err == nil {
						if got != "new" {
							t.Fatalf("a completed WriteFileAtomic did not survive the crash: %s", got)
						}
						break
					}
					if n > 20 {
						t.Fatal("WriteFileAtomic never completed")
					}
				}
				// open, write, sync, rename, syncdir: five crash points, then success.
				if len(outcomes) != 6 || slices.Index(outcomes, "new") != 5 {
					t.Fatalf("outcomes per crash point = %v", outcomes)
				}
			})
		}
	}
}

func TestWriteFileAtomicSurvivesCrash(t *testing.T) {
	m, _ := newMem(t)
	writeDurable(t, m, atomicP, atomicOld)
	if err := WriteFileAtomic(m, atomicP, []byte(atomicNew)); err != nil {
		t.Fatal(err)
	}
	m.Crash()
	wantContents(t, m, atomicP, atomicNew)
	wantMissing(t, m, atomicP+".tmp")
	ents, _ := m.ReadDir(atomicDir)
	if got := names(ents); !slices.Equal(got, []string{"checkpoint"}) {
		t.Fatalf("directory = %v", got)
	}
}

func TestWriteFileAtomicENOSPC(t *testing.T) {
	m, _ := newMem(t)
	writeDurable(t, m, atomicP, atomicOld)
	m.SetCapacity(m.Used() + 5)
	if err := WriteFileAtomic(m, atomicP, []byte(atomicNew)); err == nil {
		t.Fatal("WriteFileAtomic succeeded on a full disk")
	}
	wantContents(t, m, atomicP, atomicOld)
	wantMissing(t, m, atomicP+".tmp")
	m.Crash()
	wantContents(t, m, atomicP, atomicOld)
}
