# Defines a decision only for image sources: Buildx's caps pass (a source-less input) has no
# decision, so every build with this policy fails ("failed to evaluate policy caps").
package docker

decision := {"allow": true} if input.image
