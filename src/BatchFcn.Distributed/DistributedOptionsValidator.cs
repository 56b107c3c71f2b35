using BatchFcn.Scanning;
using Microsoft.Extensions.Options;

namespace BatchFcn.Distributed;

/// <summary>The rules of <see cref="DistributedOptions"/>, checked once at start.</summary>
public sealed class DistributedOptionsValidator : IValidateOptions<DistributedOptions>
{
    public ValidateOptionsResult Validate(string? name, DistributedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (value, key) in new[] { (options.StateFolder, "StateFolder"), (options.ResultsFolder, "ResultsFolder"), (options.InputsFolder, "InputsFolder") })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"setting BatchFcn:Distributed:{key} cannot be empty");
            }
        }

        Rules.Range(errors, "--tiles-per-job", "Distributed:TilesPerJob", options.TilesPerJob, 1, 16);
        Rules.Range(errors, "--concurrent-tiles", "Distributed:ConcurrentTiles", options.ConcurrentTiles, 0, 256);
        Rules.Range(errors, "--health-port", "Distributed:HealthPort", options.HealthPort, 0, 65535);
        Positive(errors, options.FinalizeLease, "FinalizeLease");
        Positive(errors, options.StaleAfter, "StaleAfter");
        if (options.ReconcileInterval < TimeSpan.Zero)
        {
            errors.Add($"setting BatchFcn:Distributed:ReconcileInterval cannot be negative (got {options.ReconcileInterval})");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"setting BatchFcn:Distributed:{key} must be positive (got {value})");
        }
    }
}
