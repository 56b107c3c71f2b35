using Azure.Core;
using Azure.Core.Pipeline;

namespace BatchFcn.Storage.Tests;

/// <summary>An HTTP policy (added per try, next to the transport) that counts requests and injects faults:
/// fails the first <see cref="FailRequests"/> requests before they are sent, and cuts the body of the first
/// <see cref="CutDownloads"/> downloads (GETs of a blob) with an <see cref="IOException"/> after
/// <see cref="CutAfterBytes"/> bytes, as a dropped connection does.</summary>
internal sealed class FaultInjectionPolicy : HttpPipelinePolicy
{
    private int requests;
    private int downloads;

    public int FailRequests { get; init; }

    public int CutDownloads { get; init; }

    public int CutAfterBytes { get; init; } = 1000;

    public int Requests => Volatile.Read(ref requests);

    public int Downloads => Volatile.Read(ref downloads);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        throw new NotSupportedException("the store is asynchronous");

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Interlocked.Increment(ref requests) <= FailRequests)
        {
            throw new IOException("injected: connection refused before the request was sent");
        }

        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        bool isDownload = message.Request.Method == RequestMethod.Get && !message.Request.Uri.Query.Contains("comp=", StringComparison.Ordinal);
        if (isDownload && Interlocked.Increment(ref downloads) <= CutDownloads && message.Response.ContentStream is { } body)
        {
            message.Response.ContentStream = new CuttingStream(body, CutAfterBytes);
        }
    }

    /// <summary>Passes <c>limit</c> bytes through, then throws as a reset connection does.</summary>
    private sealed class CuttingStream(Stream inner, int limit) : Stream
    {
        private int passed;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => passed; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var allowed = Allowed(buffer.Length);
            int read = inner.Read(buffer[..allowed]);
            passed += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var allowed = Allowed(buffer.Length);
            int read = await inner.ReadAsync(buffer[..allowed], cancellationToken).ConfigureAwait(false);
            passed += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Allowed(int wanted)
        {
            if (wanted > 0 && passed >= limit)
            {
                throw new IOException("injected: the connection was reset mid-body");
            }

            return Math.Min(wanted, limit - passed);
        }
    }
}
