# meetingroom: one container serving the app; see docs/deployment.md and compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MEETINGROOM_DATA_DIR=/app/data PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1 UV_LINK_MODE=copy \
    PATH=/app/.venv/bin:$PATH
WORKDIR /app
RUN useradd --create-home --uid 10001 meetingroom
COPY . /app
# The same install as scripts/setup.sh: uv at the same version, exactly the versions in uv.lock
# (tests/test_deploy.py checks that they agree). The data dir is the app user's alone (0700).
ARG UV_VERSION=0.13.8
RUN python -m venv .venv && .venv/bin/python -m pip install -q "uv==$UV_VERSION" \
    && .venv/bin/uv sync --locked --inexact \
    && mkdir -p /app/data && chown meetingroom /app/data && chmod 0700 /app/data
USER meetingroom
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["meetingroom", "serve", "--host", "0.0.0.0", "--port", "8000"]
