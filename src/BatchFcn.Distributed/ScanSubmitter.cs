using System.Security.Cryptography;
using BatchFcn.Scanning;
using BatchFcn.Storage;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>
/// Submits scans to a deployment: uploads local inputs once (keyed by content hash, so a cohort's shared model and a
/// slide submitted again are not uploaded twice), records the scan (a scan id that exists is refused, so submitting
/// twice never duplicates work) and sends the request to the plan queue.
/// </summary>
public sealed class ScanSubmitter(BlobStoreResolver stores, ScanStateStore states, IBus sender, IOptions<DistributedOptions> options,
    TimeProvider time)
{
    /// <summary>The address a worker can read <paramref name="input"/> at: an <c>az://</c> address as it is, a local file
    /// uploaded into <see cref="DistributedOptions.InputsFolder"/> (with a converted network's manifest beside it).</summary>
    public async Task<string> UploadAsync(string input, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(input);
        if (BlobAddress.Parse(input).IsAzure)
        {
            return input;
        }

        if (Directory.Exists(input))
        {
            throw new ScanException($"'{input}' is a folder, not a file");
        }

        if (!File.Exists(input))
        {
            throw new ScanException($"'{input}' does not exist");
        }

        string hash;
        await using (var file = File.OpenRead(input))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false))[..16];
        }

        var inputs = stores.ResolveFolder(options.Value.InputsFolder);
        string key = $"{hash}/{Path.GetFileName(input)}";
        await UploadOnceAsync(inputs, key, input, cancellationToken).ConfigureAwait(false);
        string manifest = Path.ChangeExtension(input, ".json");
        if (input.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(manifest))
        {
            await UploadOnceAsync(inputs, Path.ChangeExtension(key, ".json"), manifest, cancellationToken).ConfigureAwait(false);
        }

        return inputs.Describe(key);
    }

    /// <summary>Records and queues a scan.</summary>
    /// <exception cref="ScanException">Invalid id or options, or a scan with that id exists.</exception>
    public async Task<ScanRequested> SubmitAsync(ScanRequested request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ScanIds.Problem(request.ScanId) is { } badId)
        {
            throw new ScanException(badId);
        }

        if (string.IsNullOrWhiteSpace(request.Output))
        {
            request = request with { Output = stores.ResolveFolder(options.Value.ResultsFolder).Describe(request.ScanId) };
        }

        var problems = ScanOptionsValidator.Problems(request);
        if (problems.Count > 0)
        {
            throw new ScanException(string.Join("; ", problems));
        }

        var state = new ScanState { ScanId = request.ScanId, Status = ScanStatus.Submitted, Request = request, SubmittedUtc = time.GetUtcNow() };
        if (!await states.TryCreateAsync(state, cancellationToken).ConfigureAwait(false))
        {
            var existing = await states.GetAsync(request.ScanId, cancellationToken).ConfigureAwait(false);
            throw new ScanException($"a scan with id '{request.ScanId}' exists already ({existing?.Status.ToString().ToLowerInvariant() ?? "unknown"}); " +
                $"see 'batchfcn status {request.ScanId}', or submit under another id");
        }

        var endpoint = await sender.GetSendEndpoint(ScanQueues.Address(ScanQueues.Scans)).ConfigureAwait(false);
        await endpoint.Send(request, cancellationToken).ConfigureAwait(false);
        return request;
    }

    /// <summary>Cancels a scan that is not final; <see langword="false"/> when there is no such scan or it is final.</summary>
    public async Task<bool> CancelAsync(string scanId, CancellationToken cancellationToken) =>
        await states.UpdateAsync(scanId, s => s.IsFinal ? null : s with { Status = ScanStatus.Cancelled, Reason = "cancelled" }, cancellationToken)
            .ConfigureAwait(false) is not null;

    private static async Task UploadOnceAsync(IBlobStore inputs, string key, string path, CancellationToken cancellationToken)
    {
        if (await inputs.ExistsAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await using var file = File.OpenRead(path);
        await inputs.WriteAsync(key, file, cancellationToken).ConfigureAwait(false);
    }
}
