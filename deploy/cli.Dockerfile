# The batchfcn CLI on the .NET runtime (CPU).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/BatchFcn.Cli/BatchFcn.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
# NetVips binds the system libvips (Debian's has OpenSlide for SVS/NDPI/MRXS).
RUN apt-get update && apt-get install -y --no-install-recommends libvips42 && rm -rf /var/lib/apt/lists/*
# malloc asks for transparent huge pages where they are opt-in: fewer page faults as ONNX Runtime's arena grows.
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["dotnet", "/app/batchfcn.dll"]
