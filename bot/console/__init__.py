"""The caseworker console: a Sanic web app where hotline staff take and answer handed-off conversations."""
