# 10^6 × 10^6 iterations: must be stopped by the fuel limit.
package docker

n := numbers.range(1, 1000000)

decision := {"allow": count([1 | some a in n; some b in n; a == b + 1]) > 0}
