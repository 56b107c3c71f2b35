using System.CommandLine;
using BatchFcn.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn cancel scan-id …</c>: stops scans; their queued tiles are dropped without work.</summary>
internal static class CancelCommand
{
    public static Command Create(CliContext context)
    {
        var ids = new Argument<string[]>("scan-id") { Description = "Scans to cancel", Arity = ArgumentArity.OneOrMore };
        var command = new Command("cancel", "Cancel submitted scans: queued tiles are dropped, the state says cancelled");
        command.Arguments.Add(ids);
        var startHost = DistributedHost.AddClientOptions(context, command);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            using var host = await startHost(parse, token).ConfigureAwait(false);
            var submitter = host.Services.GetRequiredService<ScanSubmitter>();
            int refused = 0;
            foreach (var id in parse.GetValue(ids)!)
            {
                if (Contracts.ScanIds.Problem(id) is { } problem)
                {
                    context.Error.WriteLine($"error: {problem}");
                    refused++;
                }
                else if (await submitter.CancelAsync(id, token).ConfigureAwait(false))
                {
                    context.Out.WriteLine($"{id}: cancelled");
                }
                else
                {
                    context.Error.WriteLine($"{id}: not cancelled (no such scan, or it is already completed, failed or cancelled)");
                    refused++;
                }
            }

            return refused == 0 ? 0 : CliApp.UserError;
        }));
        return command;
    }
}
