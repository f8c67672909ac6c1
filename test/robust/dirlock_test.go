package robust

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSecondProcessOnSameDataDirRefused: a second `samsa server` pointed at
// a data dir another live process is using exits with an error naming the
// problem, and the first keeps serving; once the first is killed -9 (the
// kernel drops its flock), the dir opens again with the data intact.
func TestSecondProcessOnSameDataDirRefused(t *testing.T) {
	first := newNode(t, map[string]string{"auto.create.topics.enable": "true"})
	first.start()
	first.waitReady(30 * time.Second)
	ctx := testContext(t, time.Minute)
	cl := newClient(t, first.addr, kgo.DefaultProduceTopic("locked"), kgo.AllowAutoTopicCreation())
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("before")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	second := newNode(t, map[string]string{"log.dirs": first.dataDir}) // its own ports
	second.dataDir = first.dataDir
	second.start()
	if err := second.wait(30 * time.Second); err == nil {
		t.Fatal("a second process on the same data dir exited with status 0")
	}
	if !second.logContains(1, "in use by another process") {
		t.Fatal("the second process's error does not say the data dir is in use")
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("during")}).FirstErr(); err != nil {
		t.Fatalf("the first process stopped serving: %v", err)
	}

	first.kill()
	first.start()
	first.waitReady(30 * time.Second)
	got := consumeAll(t, first.addr, "locked", 30*time.Second)
	if n := len(got[0]); n != 2 {
		t.Fatalf("after kill -9 and restart: %d records, want 2", n)
	}
}
