# meetingroom: one container serving the app; see docs/deployment.md and compose.yaml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MEETINGROOM_DATA_DIR=/app/data PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 10001 meetingroom
COPY . /app
# The same install command as scripts/setup.sh (tests/test_deploy.py checks that they agree).
RUN python -m pip install -q -e . && mkdir -p /app/data && chown -R meetingroom /app/data
USER meetingroom
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["meetingroom", "serve", "--host", "0.0.0.0", "--port", "8000"]
