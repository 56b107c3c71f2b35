using BatchFcn.Scanning;
using BatchFcn.Storage;
using Microsoft.Extensions.Hosting;

namespace BatchFcn.Distributed;

/// <summary>A worker whose storage account refuses it (a wrong key) or cannot be reached does not start: it would
/// take jobs it cannot record, and could not even record their failure. Runs before the bus starts taking jobs.</summary>
public sealed class StateFolderStartupCheck(ScanStateStore states) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await states.ListAsync(cancellationToken).AnyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ScanException($"the scan state folder cannot be read, so this worker does not start: {e.Message}", e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
