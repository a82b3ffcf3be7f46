# The image docker-compose.yml runs: gunicorn (see gunicorn.conf.py) or a Celery worker, as the
# unprivileged user "app". Everything it writes goes under /data (DATA_DIR): static files,
# uploaded media (a volume in docker-compose.yml) and, without Redis, the broker folders.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    DJANGO_SETTINGS_MODULE=contentcuration.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /data/media /data/static \
    && chown -R app:app /data
COPY . .
# The code stays root-owned (read-only for the server); only /data is writable.
USER app:app
EXPOSE 8000
CMD ["gunicorn", "contentcuration.wsgi"]
