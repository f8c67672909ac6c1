// Package broker is the composition root: it turns the configuration into
// component options, builds every component (log manager, controller,
// replica manager, API router, Kafka listeners, admin HTTP port), owns their
// start and stop order, and keeps the broker's view of the cluster current
// by applying each new metadata image.
//
// Start order: storage (recovering logs), controller (leader of its quorum),
// broker registration, replica reconciliation against the metadata image,
// listeners. Stop order is the reverse: listeners drain in-flight requests,
// then logs flush and close cleanly (writing the clean-shutdown marker),
// then the controller.
//
// Layering: broker may import every internal package; only cmd/samsa
// imports broker.
package broker
