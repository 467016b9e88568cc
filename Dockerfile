# Fusen server image. The embedded default is SQLite under /app/data (mount a volume there);
# set FUSEN_DATABASE_URL=postgresql://… and FUSEN_BUS_URL=redis://… for several processes
# (deploy/compose.yaml runs two behind nginx; see docs/deploy.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FUSEN_ENVIRONMENT=production
# FUSEN_SECRET_KEY (32+ characters) must be given at run time in production.

# IPAexGothic for the PDF report, from Debian's packages (no matplotlib in the image for it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-ipaexfont-gothic \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Templates, static files and migrations are read from the source tree, hence the editable install.
COPY pyproject.toml README.md ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN pip install -e .

RUN useradd --create-home --uid 10001 fusen && mkdir -p /app/data && chown fusen /app/data
USER fusen
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["fusen", "serve", "--host", "0.0.0.0", "--port", "8000"]
