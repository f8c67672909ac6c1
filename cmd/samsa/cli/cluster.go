package cli

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func clusterCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "cluster",
		Short: "Cluster-wide information",
	}
	c.AddCommand(&cobra.Command{
		Use:   "info",
		Short: "Show the cluster id, controller, brokers and topic count",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			adm, cl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			defer cl.Close()
			rctx, cancel := e.rctx(ctx)
			defer cancel()
			md, err := adm.Metadata(rctx)
			if err != nil {
				return explain("metadata", err)
			}
			type broker struct {
				ID   int32   `json:"id"`
				Host string  `json:"host"`
				Port int32   `json:"port"`
				Rack *string `json:"rack,omitempty"`
			}
			type info struct {
				ClusterID  string   `json:"cluster_id"`
				Controller int32    `json:"controller"`
				Brokers    []broker `json:"brokers"`
				Topics     int      `json:"topics"`
				Partitions int      `json:"partitions"`
				// APIs is the highest version each broker API is served at
				// (the first broker's ApiVersions answer).
				APIs map[string]int16 `json:"apis,omitempty"`
			}
			out := info{ClusterID: md.Cluster, Controller: md.Controller, Topics: len(md.Topics)}
			for _, b := range md.Brokers {
				out.Brokers = append(out.Brokers, broker{b.NodeID, b.Host, b.Port, b.Rack})
			}
			sort.Slice(out.Brokers, func(i, j int) bool { return out.Brokers[i].ID < out.Brokers[j].ID })
			for _, t := range md.Topics {
				out.Partitions += len(t.Partitions)
			}
			if vs, err := adm.ApiVersions(rctx); err == nil {
				for _, bv := range vs.Sorted() {
					if bv.Err != nil {
						continue
					}
					out.APIs = map[string]int16{}
					bv.EachKeySorted(func(key, _, max int16) {
						out.APIs[kmsg.NameForKey(key)] = max
					})
					break
				}
			}
			if e.json() {
				return e.printJSON(out)
			}
			fmt.Fprintf(e.stdout, "Cluster ID:  %s\nController:  %d\nTopics:      %d (%d partitions)\n", out.ClusterID, out.Controller, out.Topics, out.Partitions)
			fmt.Fprintf(e.stdout, "APIs:        %d served\n\n", len(out.APIs))
			tb := newTable(e.stdout, "BROKER", "HOST", "PORT", "RACK")
			for _, b := range out.Brokers {
				rack := "-"
				if b.Rack != nil {
					rack = *b.Rack
				}
				tb.row(b.ID, b.Host, b.Port, rack)
			}
			return tb.flush()
		},
	})
	return c
}
