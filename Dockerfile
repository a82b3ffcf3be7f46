# The image docker-compose.yml runs: gunicorn (see gunicorn.conf.py) or a Celery worker, as the
# unprivileged user "app". Everything it writes goes under /data (DATA_DIR): static files,
# uploaded media (a volume in docker-compose.yml) and, without Redis, the broker folders.
# Stage 1 builds the browser app (frontend/, `npm ci` + Vite) exactly as `make frontend` does.
FROM node:20-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

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
COPY --from=frontend /frontend/dist /app/frontend/dist
# The code stays root-owned (read-only for the server); only /data is writable.
USER app:app
EXPOSE 8000
CMD ["gunicorn", "contentcuration.wsgi"]
