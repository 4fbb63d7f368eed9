"""docker-compose.yml on rootful podman: stand-in images and a staged start.

See docs/containers.md.
"""
