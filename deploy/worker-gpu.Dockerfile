# syntax=docker/dockerfile:1
# BatchFcn with the CUDA backend: the ONNX Runtime GPU package (CUDA 13, cuDNN 9) on NVIDIA's CUDA 13 + cuDNN 9
# runtime image, with the .NET runtime copied in from Microsoft's image of the same Ubuntu release (24.04 noble).
# It also runs CPU sessions, so "auto" falls back to the CPU when no GPU is visible.
#   docker build -f deploy/worker-gpu.Dockerfile -t batchfcn/worker-gpu:local .
#   docker run --rm --gpus all batchfcn/worker-gpu:local info
# Running it needs the NVIDIA driver (580 or newer for CUDA 13) and the NVIDIA Container Toolkit on the host.

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,id=batchfcn-nuget,target=/root/.nuget/packages \
    dotnet publish src/BatchFcn.Cli/BatchFcn.Cli.csproj -c Release -o /app -p:BatchFcnGpu=true

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS dotnet

FROM nvidia/cuda:13.0.2-cudnn-runtime-ubuntu24.04
# What the .NET runtime needs from the OS (as in Microsoft's runtime-deps image, less ICU: the app runs with
# invariant globalization), libvips for NetVips (Ubuntu's build links OpenSlide) and curl for the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates libc6 libgcc-s1 libssl3t64 libstdc++6 tzdata zlib1g \
        libvips42t64 curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
RUN groupadd --gid 10001 batchfcn \
    && useradd --uid 10001 --gid 10001 --no-log-init --create-home --shell /usr/sbin/nologin batchfcn \
    && mkdir -p /cache \
    && chown 10001:10001 /cache
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
    BatchFcn__Node__CacheDirectory=/cache \
    BatchFcn__Distributed__HealthPort=8080 \
    BatchFcn__Telemetry__MetricsPort=9464
WORKDIR /app
COPY --from=build /app .
USER 10001:10001
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${BatchFcn__Distributed__HealthPort}/healthz/ready" || exit 1
ENTRYPOINT ["dotnet", "/app/batchfcn.dll"]
CMD ["worker", "--json-logs"]
