# veille: the dashboard, the scheduler and the workers share this image; the command picks the role.
#   docker build -t veille .
#   docker run -e VEILLE_DATABASE_URL=postgresql+psycopg://veille@db/veille veille serve --host 0.0.0.0
FROM python:3.11-slim-bookworm

# WeasyPrint's libraries (PDF reports), fonts with every glyph the reports use, pg_dump for backups.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-color-emoji postgresql-client \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 veille
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER veille
ENV VEILLE_HOME=/data PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

ENTRYPOINT ["veille"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
