# Production image for web (gunicorn) and worker (RQ). Leaflet comes from PyPI (xstatic-leaflet).
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/carte-commune
# The lock pins every dependency with its hashes: pip refuses any file whose hash differs.
COPY requirements.lock .
RUN pip install --no-cache-dir --compile --require-hashes --no-deps -r requirements.lock
COPY app app
COPY migrations migrations
COPY templates templates
COPY static static
COPY data data
COPY wsgi.py worker.py ./
# The translation catalogs are compiled here (the .mo files are not in git).
RUN pybabel compile -d app/translations
RUN useradd --system --home /srv/carte-commune carte && mkdir -p var && chown -R carte var
USER carte
ENV CARTE_ENV=production PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "wsgi:app"]
