package docker

import data.lib

decision := {"allow": lib.allowed, "deny_msg": lib.messages}
