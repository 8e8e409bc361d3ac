# Builds tens of millions of values: must be stopped by the memory cap.
package docker

decision := {"allow": count(numbers.range(1, 50000000)) > 0}
