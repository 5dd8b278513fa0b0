# One image for every Python deployable (inventory_svc, orders_svc, client_web, admin_web,
# the log-pipeline scheduler and the stress client). Each Kubernetes Deployment and each
# docker-compose service picks its process with `command`; the default prints the CLI help.
#
#   docker build -t autoforge:0.1.0 .
#
# The image keeps the repository layout under /app (packages, data/, node_modules/) so code
# that finds its assets relative to the project root behaves as under `make run`.

FROM node:22-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
# Front-end assets only (htmx, its SSE extension, CSS); the Serverless CLI is a dev dependency.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /opt/autoforge
COPY pyproject.toml README.md ./
COPY common ./common
COPY inventory_svc ./inventory_svc
COPY orders_svc ./orders_svc
COPY client_web ./client_web
COPY admin_web ./admin_web
COPY serverless ./serverless
COPY load ./load
COPY data ./data
# The local scheduler (k8s/log-pipeline.yaml) reads its schedules from serverless.yml.
COPY serverless.yml ./
# Editable install: the packages stay in /app, where their migrations and templates live.
RUN /opt/autoforge/bin/pip install -e .

FROM python:3.11-slim-bookworm
# A fixed, unprivileged uid: the pod specs set runAsNonRoot and runAsUser 10001.
RUN groupadd --system --gid 10001 autoforge \
 && useradd --system --uid 10001 --gid autoforge --home-dir /app --shell /usr/sbin/nologin autoforge
COPY --from=build /opt/autoforge /opt/autoforge
COPY --from=build /app /app
COPY --from=assets /app/node_modules /app/node_modules
WORKDIR /app
# Writable state goes to /tmp only: Kubernetes mounts an emptyDir there and keeps the root
# filesystem read-only.
ENV PATH=/opt/autoforge/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AUTOFORGE_DATA_DIR=/tmp/autoforge
USER 10001:10001
EXPOSE 3000 3003 4001 4002 9464
CMD ["autoforge", "--help"]
