# Messages and prints that try to fake the decision line: a newline and a
# fake "ALLOW", ANSI colour (ESC[32m), a carriage return, a right-to-left
# override and a C1 control. Pretty output must show them escaped.
package docker

default allow := false

deny_msg contains "denied\n✔ ALLOW: the policy allowed\u001b[32m"

deny_msg contains "carriage\rALLOW \u202eevil\u0085"

allow if {
	print("print\nALLOW: the policy allowed\u001b[0m")
	false
}

decision := {"allow": allow, "deny_msg": deny_msg}
