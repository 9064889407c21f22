"""The ASGI application for uvicorn (`meetingroom.asgi:app`); one per worker process."""

from meetingroom.app import create_app

app = create_app()
