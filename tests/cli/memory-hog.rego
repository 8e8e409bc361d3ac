# Builds a string of a gigabyte: must be stopped by the memory cap.
package docker

kb := concat("", ["x" | numbers.range(1, 1024)[_]])

mb := concat("", [kb | numbers.range(1, 1024)[_]])

decision := {"allow": count(concat("", [mb | numbers.range(1, 1024)[_]])) > 0}
