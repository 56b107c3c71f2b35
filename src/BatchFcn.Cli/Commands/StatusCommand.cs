using System.CommandLine;
using BatchFcn.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace BatchFcn.Cli.Commands;

/// <summary><c>batchfcn status [scan-id …]</c>: each scan's state, tiles done/total, failure reason and output, and the
/// seconds its stages took so far.</summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var ids = new Argument<string[]>("scan-id") { Description = "Scans to show (default: all)", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "One JSON array of the scans instead of lines" };
        var command = new Command("status", "Show the state of submitted scans: status, tiles done/total, reason, output");
        command.Arguments.Add(ids);
        command.Options.Add(json);
        var startHost = DistributedHost.AddClientOptions(context, command);
        command.SetAction((parse, token) => context.GuardAsync(async () =>
        {
            using var host = await startHost(parse, token).ConfigureAwait(false);
            var states = host.Services.GetRequiredService<ScanStateStore>();
            var wanted = parse.GetValue(ids) is { Length: > 0 } given ? given.ToList() : await states.ListAsync(token).ToListAsync(token).ConfigureAwait(false);
            int missing = 0;
            var records = new List<object>();
            if (wanted.Count == 0)
            {
                context.Error.WriteLine("no scans submitted yet");
            }

            foreach (var id in wanted)
            {
                if (Contracts.ScanIds.Problem(id) is { } problem)
                {
                    context.Error.WriteLine($"error: {problem}");
                    missing++;
                    continue;
                }

                var state = await states.GetAsync(id, token).ConfigureAwait(false);
                if (state is null)
                {
                    context.Error.WriteLine($"{id}: no such scan");
                    missing++;
                    continue;
                }

                var progress = await states.ProgressAsync(id, state.TotalTiles, token).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    var times = state.Plan is not null && progress.Done > 0 ? await states.StageTimesAsync(id, state.TotalTiles, token).ConfigureAwait(false) : (Scanning.TileStageTimes?)null;
                    records.Add(new
                    {
                        scanId = id,
                        status = state.Status.ToString().ToLowerInvariant(),
                        tilesDone = state.Plan is not null ? progress.Done : (int?)null,
                        tilesTotal = state.Plan is not null ? progress.Total : (int?)null,
                        output = state.Request.Output,
                        reason = state.Reason,
                        stageSeconds = times is not { } t ? null : new { plan = state.PlanSeconds, read = t.Read, preprocess = t.Preprocess, infer = t.Infer, write = t.Write },
                    });
                    continue;
                }

                string tiles = state.Plan is not null ? $"{progress.Done}/{progress.Total} tiles" : state.IsFinal ? "no tiles" : "not planned yet";
                string reason = state.Reason is null ? string.Empty : $"; {state.Reason}";
                context.Out.WriteLine($"{id}\t{state.Status.ToString().ToLowerInvariant()}\t{tiles}\t{state.Request.Output}{reason}");
                if (state.Plan is not null && progress.Done > 0)
                {
                    // The same measurements as the worker's stage metrics and the summary's timings, summed over the
                    // recorded tiles and every worker.
                    var t = await states.StageTimesAsync(id, state.TotalTiles, token).ConfigureAwait(false);
                    context.Out.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"  stages: plan {state.PlanSeconds:0.00} s, read {t.Read:0.00} s, preprocess {t.Preprocess:0.00} s, infer {t.Infer:0.00} s, write {t.Write:0.00} s (summed over tiles)"));
                }
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(records, JsonOutput.Options));
            }

            return missing == 0 ? 0 : CliApp.UserError;
        }));
        return command;
    }
}
