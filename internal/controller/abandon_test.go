package controller

import (
	"context"
	"fmt"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

// expiredAfterCheck is a context that has ended (Done is closed) but whose
// Err still says nil: it stands for a deadline that passes just after the
// event loop checked it, so that the loop runs the operation while the
// caller has stopped waiting. A real deadline would need that timing by
// luck (test/robust's bad-input test found it that way, with random
// request timeouts of 0-100 ms).
type expiredAfterCheck struct {
	context.Context
	done chan struct{}
}

func (c expiredAfterCheck) Done() <-chan struct{} { return c.done }
func (expiredAfterCheck) Err() error              { return nil }

// TestAbandonedOperationsDoNotRace: a caller whose context ends while the
// event loop runs its operation returns at once, and the loop finishes the
// operation afterwards, writing its result slices. The caller's failure
// answer must not touch those slices (it once did: `res = make(...)` on
// the variable the operation's closure reads). The race detector is the
// check: run with -race, as `make test` does. submit's first select picks
// between sending the event and the ended context at random, so each
// operation runs several times.
func TestAbandonedOperationsDoNotRace(t *testing.T) {
	c := newStarted(t, 1)
	done := make(chan struct{})
	close(done)
	ended := expiredAfterCheck{Context: context.Background(), done: done}
	for i := range 8 {
		name := fmt.Sprintf("abandoned-%d", i)
		createTopic(t, c, name, 1, 1)
		c.CreatePartitions(ended, []CreatePartitions{{Topic: name, Count: 2}})
		retention := "1000"
		c.AlterConfigs(ended, []AlterConfigsResource{{Type: metadata.ConfigResourceTopic, Name: name,
			Configs: []AlterConfig{{Name: "retention.ms", Value: &retention}}}}, false, false)
		c.DeleteTopics(ended, []string{name}, nil)
		c.CreateTopics(ended, []CreateTopic{{Name: name + "-new", NumPartitions: 1, ReplicationFactor: 1}})
	}
	// Wait for the loop to finish the abandoned operations before the
	// controller closes: an operation through the loop with a live context
	// is answered only after every earlier event was handled.
	createTopic(t, c, "after", 1, 1)
}
