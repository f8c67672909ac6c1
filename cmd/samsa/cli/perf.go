package cli

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
)

func perfCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "perf",
		Short: "Measure produce and consume throughput and latency (kafka-*-perf-test style)",
	}
	c.AddCommand(perfProduceCmd(e), perfConsumeCmd(e), perfE2ECmd(e), perfSuiteCmd(e))
	return c
}

// ensureTopic creates topic with partitions if it does not exist yet (perf
// tools create their scratch topic; an existing one is used as it is).
func (e *env) ensureTopic(ctx context.Context, topic string, partitions int32) (int, error) {
	adm, cl, err := e.admin(ctx)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	td, err := adm.ListTopics(rctx, topic)
	if err != nil {
		return 0, explain("metadata", err)
	}
	if d, ok := td[topic]; ok && d.Err == nil {
		return len(d.Partitions), nil
	}
	res, err := adm.CreateTopic(rctx, partitions, -1, nil, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return 0, explain("create topic "+topic, err)
	}
	// Wait until every partition has a leader, so that a perf run does not
	// time the new topic's metadata propagation.
	for ctx.Err() == nil {
		td, err := adm.ListTopics(rctx, topic)
		if err == nil && td[topic].Err == nil && len(td[topic].Partitions) == int(partitions) {
			ready := true
			for _, p := range td[topic].Partitions {
				ready = ready && p.Err == nil && p.Leader >= 0
			}
			if ready {
				break
			}
		}
		if rctx.Err() != nil {
			return 0, fmt.Errorf("topic %s was created but its partitions have no leader after %v", topic, e.timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return int(partitions), nil
}

// payload is size bytes of random letters: compressible about as much as
// text, unlike zeros (which would flatter any codec).
func payload(size int) []byte {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, size)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return b
}

func fmtRate(recs, mbs float64) string {
	return fmt.Sprintf("%.1f records/sec (%.2f MB/sec)", recs, mbs)
}
