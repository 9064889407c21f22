"""The broadcast hub: events published after commit, fanned out to sockets by room."""
