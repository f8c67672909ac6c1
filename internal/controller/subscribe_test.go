package controller

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

type published struct {
	img   *metadata.Image
	delta *metadata.Delta
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	createTopic(t, c, "before", 1, 1)

	var mu sync.Mutex
	var got []published
	unsubscribe := c.Subscribe(func(img *metadata.Image, d *metadata.Delta) {
		mu.Lock()
		got = append(got, published{img, d})
		mu.Unlock()
	})
	// The first call, before Subscribe returns, describes the whole image.
	if len(got) != 1 || got[0].img != c.Image() || !slices.Equal(metadata.TopicNames(got[0].delta.TopicsCreated), []string{"before"}) {
		t.Fatalf("initial call %+v", got)
	}
	ctx := context.Background()
	a := createTopic(t, c, "a", 2, 1)
	c.AlterConfigs(ctx, []AlterConfigsResource{{Type: metadata.ConfigResourceTopic, Name: "a",
		Configs: []AlterConfig{{Name: "retention.ms", Value: ptr("5")}}}}, true, false)
	c.CreatePartitions(ctx, []CreatePartitions{{Topic: "a", Count: 3}})
	c.DeleteTopics(ctx, []string{"a"}, nil)

	mu.Lock()
	steps := slices.Clone(got[1:])
	mu.Unlock()
	if len(steps) != 4 {
		t.Fatalf("%d deltas, want 4", len(steps))
	}
	for i := 1; i < len(steps); i++ {
		if steps[i].img.Offset() <= steps[i-1].img.Offset() {
			t.Fatalf("offsets out of order: %d then %d", steps[i-1].img.Offset(), steps[i].img.Offset())
		}
	}
	if d := steps[0].delta; len(d.TopicsCreated) != 1 || d.TopicsCreated[0].ID != a.TopicID || len(d.Partitions) != 2 {
		t.Fatalf("create delta %+v", d)
	}
	if d := steps[1].delta; len(d.Configs) != 1 || *d.Configs[0].New != "5" {
		t.Fatalf("config delta %+v", d)
	}
	if d := steps[2].delta; len(d.Partitions) != 1 || d.Partitions[0].Partition != 2 || d.Partitions[0].Old != nil {
		t.Fatalf("partitions delta %+v", d)
	}
	if d := steps[3].delta; len(d.TopicsDeleted) != 1 || d.TopicsDeleted[0].Name != "a" || len(d.Configs) != 1 || d.Configs[0].New != nil {
		t.Fatalf("delete delta %+v", d)
	}
	if steps[3].img != c.Image() {
		t.Fatal("the last published image is not the current one")
	}

	unsubscribe()
	createTopic(t, c, "later", 1, 1)
	mu.Lock()
	n := len(got)
	mu.Unlock()
	if n != 5 {
		t.Fatalf("called %d times; unsubscribe did not stop the calls", n)
	}
}

// TestUnsubscribeFromSubscriber: a subscriber may unsubscribe itself.
func TestUnsubscribeFromSubscriber(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	calls := 0
	var unsubscribe func()
	unsubscribe = c.Subscribe(func(*metadata.Image, *metadata.Delta) {
		calls++
		if calls == 2 {
			unsubscribe()
		}
	})
	createTopic(t, c, "x", 1, 1)
	createTopic(t, c, "y", 1, 1)
	if calls != 2 {
		t.Fatalf("%d calls", calls)
	}
}
