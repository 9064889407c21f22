"""The ASGI application for uvicorn (`meetingroom.asgi:app`); one per worker process."""

import gc

from meetingroom.app import create_app

app = create_app()

# What the worker has made by now (modules, routes, schemas, the app: ~250,000 objects) lives as
# long as the process; frozen, the cyclic collector never walks it again. Without this every
# full collection walked it all (~95 ms in-process, 246,000 objects, on a loaded machine) with
# the worker's loop and threads stopped: a stall of every request in flight (issue 11, a busy
# evening's p99). Here, not in create_app: the tests make hundreds of apps in one process,
# whose garbage must stay collectable.
gc.collect()
gc.freeze()
