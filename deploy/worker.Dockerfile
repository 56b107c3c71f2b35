# syntax=docker/dockerfile:1
# BatchFcn on the CPU backend. The default command is the worker; the same image runs every other CLI command
# (submit, status, cancel, convert, inspect, ...) when given one:
#   docker build -f deploy/worker.Dockerfile -t batchfcn/worker:local .
#   docker run --rm batchfcn/worker:local info
# The build context is the repository root (global.json and Directory.*.props are needed); .dockerignore keeps
# build outputs and local tool folders out of it.

# .NET 10 images are Ubuntu 24.04 "noble"; the tag names the OS so that the libvips package below stays right.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=batchfcn-nuget,target=/root/.nuget/packages \
    dotnet publish src/BatchFcn.Cli/BatchFcn.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble
# NetVips binds the system libvips; Ubuntu's build links OpenSlide (SVS, NDPI, MRXS, ...). The package carries the
# t64 suffix on noble. curl serves the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libvips42t64 curl \
    && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid (10001) that Kubernetes securityContext and volume ownership can name; /cache holds the
# slides a node downloads.
RUN groupadd --gid 10001 batchfcn \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home --shell /usr/sbin/nologin batchfcn \
    && mkdir -p /cache \
    && chown 10001:10001 /cache
# malloc asks for transparent huge pages where they are opt-in: fewer page faults as ONNX Runtime's arena grows.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    BatchFcn__Node__CacheDirectory=/cache \
    BatchFcn__Distributed__HealthPort=8080 \
    BatchFcn__Telemetry__MetricsPort=9464
WORKDIR /app
COPY --from=build /app .
USER 10001:10001
# 8080: /healthz/live and /healthz/ready; 9464: /metrics (Prometheus text).
EXPOSE 8080 9464
# Ready means connected to RabbitMQ and storage with the backend probed; the first start can take a while.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${BatchFcn__Distributed__HealthPort}/healthz/ready" || exit 1
ENTRYPOINT ["dotnet", "/app/batchfcn.dll"]
CMD ["worker", "--json-logs"]
