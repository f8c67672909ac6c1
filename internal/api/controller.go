package api

import (
	"context"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/metadata"
)

// Controller is what the handlers need from the metadata quorum; broker
// wires *controller.Controller. Mutations return once their records are
// committed and applied, so Image reflects them right after.
type Controller interface {
	Image() *metadata.Image
	CreateTopics(ctx context.Context, topics []controller.CreateTopic) []controller.CreateTopicResult
	DeleteTopics(ctx context.Context, names []string, ids [][16]byte) []controller.DeleteTopicResult
	CreatePartitions(ctx context.Context, reqs []controller.CreatePartitions) []controller.CreatePartitionsResult
	// AlterConfigs serves AlterConfigs (incremental false: each resource's
	// dynamic set is replaced) and IncrementalAlterConfigs (true).
	AlterConfigs(ctx context.Context, resources []controller.AlterConfigsResource, incremental, validateOnly bool) []controller.AlterConfigsResult
}
