package lib

default allowed := false

allowed if input.local.name == "app"

messages contains sprintf("local context %s is not the app", [input.local.name]) if not allowed
